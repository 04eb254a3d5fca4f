"""Progress export: JSON round trip into a fresh database, CSV, xAPI; imports are all or nothing."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from quizapp.auth.service import create_user
from quizapp.checking import check_answer
from quizapp.export import service
from quizapp.models import Card, CardState, Question, ReviewLog
from quizapp.study import reviews
from quizapp.study import scheduler as sched
from tests.conftest import FIXTURE_PACK, response_for, write_fixture_pack

T0 = datetime(2025, 5, 5, 10, 0, tzinfo=timezone.utc)

OTHER_PACK = {"other.md": """---
pack: another-pack
title: Other
sources: [https://example.org]
---

## One {#one}

type: truefalse

Yes?

### Answer

true

### Explanation

Yes.
"""}


def study_some(db, user):
    """Answer every card once (right and wrong alternately), some twice, change one rating, suspend one."""
    user.desired_retention, user.timezone, user.rollover_hour = 0.87, "Asia/Tokyo", 5
    s = sched.make_scheduler(user.desired_retention, fuzz=False)  # an import replays without fuzz
    cards = db.session.scalars(select(Card).order_by(Card.id)).all()
    at = T0
    for index, card in enumerate(cards):
        right = index % 3 != 1
        response = response_for(card, right)
        result = check_answer(card.question.qtype, card.question.data, card.card_key, response)
        reviews.record_answer(db.session, user, card, response, result, 4000 + 1000 * index, index, s, now=at)
        at += timedelta(minutes=3)
    for card in cards[:3]:
        response = response_for(card, True)
        result = check_answer(card.question.qtype, card.question.data, card.card_key, response)
        last = reviews.record_answer(db.session, user, card, response, result, 30000, 7, s, now=at + timedelta(days=2))
        at += timedelta(minutes=1)
    reviews.change_rating(db.session, user, last.log.id, 4, s)
    db.session.execute(CardState.__table__.update().where(CardState.card_id == cards[-1].id).values(suspended=True))
    db.session.commit()


def strip(document):
    return {key: value for key, value in document.items() if key != "exported_at"}


def test_json_export_imports_into_a_fresh_database_exactly(app, db, bank, other_app):
    ada = create_user(db.session, "ada@example.org", "Ada", "correct horse")
    study_some(db, ada)
    exported = service.export_progress(db.session, ada)
    assert len(exported["reviews"]) == db.session.scalar(select(func.count(ReviewLog.id)))
    text = json.dumps(exported)  # through JSON, as a download would be

    with other_app.app_context():
        from quizapp.extensions import db as other_db

        write_fixture_pack(other_db.session, OTHER_PACK)  # different ids on this server
        write_fixture_pack(other_db.session, FIXTURE_PACK)
        ids_here = {c.id for c in db.session.scalars(select(Card))}
        assert {c.id for c in other_db.session.scalars(select(Card).join(Question)
                                                       .where(Question.slug != "one"))} != ids_here
        someone = create_user(other_db.session, "ada@elsewhere.org", "Ada", "another horse")
        other_db.session.commit()
        report = service.import_progress(other_db.session, someone, json.loads(text))
        other_db.session.commit()
        assert report.reviews_added == len(exported["reviews"]) and report.reviews_already_present == 0
        again = strip(service.export_progress(other_db.session, someone))
        # importing twice adds nothing
        second = service.import_progress(other_db.session, someone, json.loads(text))
        assert second.reviews_added == 0 and second.reviews_already_present == len(exported["reviews"])
        # the schedule continues identically: same next card at the same moment
        later = T0 + timedelta(days=3)
        from quizapp.study.service import find_pack

        other_queue = reviews.build_queue(other_db.session, someone,
                                          find_pack(other_db.session, "fixture-pack"), later)
        other_key = None
        if other_queue.card_id is not None:
            c = other_db.session.get(Card, other_queue.card_id)
            other_key = (c.question.slug, c.card_key)
        other_counts = other_queue.counts
    assert again == strip(exported)
    from quizapp.study.service import find_pack

    queue = reviews.build_queue(db.session, ada, find_pack(db.session, "fixture-pack"), later)
    key = None
    if queue.card_id is not None:
        c = db.session.get(Card, queue.card_id)
        key = (c.question.slug, c.card_key)
    assert key is not None and key == other_key and queue.counts == other_counts


def test_import_is_all_or_nothing(db, bank, make_user):
    ada = make_user()
    study_some(db, ada)
    document = service.export_progress(db.session, ada)
    bob = make_user("bob@example.org")
    broken = json.loads(json.dumps(document))
    broken["reviews"][0]["question"] = "no-such-question"
    try:
        service.import_progress(db.session, bob, broken)
    except service.ImportProblem as problem:
        assert problem.problems[0].startswith("$.reviews[0]: card fixture-pack/no-such-question#")
    else:
        raise AssertionError("a broken export was imported")
    broken["reviews"][1]["rating"] = 9
    try:
        service.import_progress(db.session, bob, broken)
    except service.ImportProblem as problem:
        assert problem.problems[0].startswith("$.reviews[1].rating: ")
    else:
        raise AssertionError("a broken export was imported")
    db.session.rollback()
    assert db.session.scalar(select(func.count(ReviewLog.id)).where(ReviewLog.user_id == bob.id)) == 0
    for bad in ({"format": "anki"}, {"format": "quizapp-progress", "version": 99}, []):
        try:
            service.import_progress(db.session, bob, bad)
        except service.ImportProblem:
            pass
        else:
            raise AssertionError(bad)


def test_import_through_the_form(client, db, bank, make_user, login):
    ada = make_user()
    study_some(db, ada)
    document = json.dumps(service.export_progress(db.session, ada)).encode()
    make_user("bob@example.org")
    login("bob@example.org")
    response = client.post("/export/import", data={"file": (io.BytesIO(document), "progress.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/export/import/" in response.headers["Location"]
    assert client.get("/export/progress.json").get_json()["reviews"] == []  # nothing changes before confirming
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200 and "Check what the import changes" in preview.get_data(as_text=True)
    assert client.post(response.headers["Location"]).status_code == 302
    assert len(client.get("/export/progress.json").get_json()["reviews"]) == len(json.loads(document)["reviews"])
    bad = client.post("/export/import", data={"file": (io.BytesIO(b"{not json"), "x.json")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "Nothing was imported" in bad.get_data(as_text=True)


def test_csv_exports(client, db, bank, make_user, login):
    ada = make_user()
    study_some(db, ada)
    login()
    response = client.get("/export/reviews.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == db.session.scalar(select(func.count(ReviewLog.id)))
    assert {row["correct"] for row in rows} == {"true", "false"}
    assert rows[0]["state_before"] == "New" and rows[0]["pack"] == "fixture-pack"
    cards = list(csv.DictReader(io.StringIO(client.get("/export/cards.csv").get_data(as_text=True))))
    assert len(cards) == db.session.scalar(select(func.count(CardState.id)))
    assert sum(row["suspended"] == "true" for row in cards) == 1


def test_xapi_statements(client, db, bank, make_user, login):
    ada = make_user()
    study_some(db, ada)
    login()
    statements = client.get("/export/xapi.json").get_json()
    assert len(statements) == db.session.scalar(select(func.count(ReviewLog.id)))
    first = statements[0]
    assert first["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert first["actor"]["account"] == {"homePage": "http://localhost/", "name": str(ada.id)}
    assert first["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert first["result"]["duration"].startswith("PT") and first["result"]["duration"].endswith("S")
    assert -1 <= first["result"]["score"]["scaled"] <= 1
    types = {s["object"]["definition"]["interactionType"] for s in statements}
    assert {"choice", "true-false", "fill-in", "sequencing", "matching", "other"} <= types
    single = next(s for s in statements if s["object"]["id"].endswith("/default-service-type/cards/main"))
    assert single["object"]["definition"]["correctResponsesPattern"] == ["1"]
    assert len({s["id"] for s in statements}) == len(statements)
    assert datetime.fromisoformat(first["timestamp"]).tzinfo is not None


def test_xapi_duration_format():
    from quizapp.export.xapi import duration

    assert duration(12400) == "PT12.4S"
    assert duration(61000) == "PT1M1S"
    assert duration(3_600_000) == "PT1H0S"
    assert duration(None) is None
