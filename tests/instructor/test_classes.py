"""Classes: join codes, assigned packs, the progress table computed from known review logs, the per-question
view, the Canvas-shaped gradebook CSV, and a constant number of queries on the class page."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from quizapp.classes import progress, service
from quizapp.models import Card, CardState, Pack, Question, ReviewLog
from quizapp.packs import publishing
from quizapp.packs.uploads import read_upload
from quizapp.study import scheduler as sched
from tests.instructor.helpers import make_zip, pack_files

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def classroom(db, instructor):
    spec = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(pack_files()))])).bank.packs.values()))
    publishing.publish_spec(db.session, instructor, spec, source="upload")
    room = service.create_class(db.session, instructor, "Networking 101")
    pack = db.session.scalar(select(Pack).where(Pack.slug == "ports-quiz"))
    service.assign_pack(db.session, instructor, room, pack.id)
    db.session.commit()
    return room


def card(db, slug):
    return db.session.scalar(select(Card).join(Question).where(Question.slug == slug))


def answer(db, user, slug, correct, at, answer_json, state=None):
    c = card(db, slug)
    db.session.add(ReviewLog(user_id=user.id, card_id=c.id, reviewed_at=at, rating=3 if correct else 1,
                             answer=answer_json, correct=correct, state_after={}, content_hash="h"))
    if state is not None:
        existing = db.session.scalar(select(CardState).where(CardState.user_id == user.id, CardState.card_id == c.id))
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        db.session.add(CardState(user_id=user.id, card_id=c.id, **state))


def review_state(days_ago: float, stability: float, due_in_days: float, suspended=False):
    return {"fsrs_state": 2, "step": None, "stability": stability, "difficulty": 5.0,
            "last_review": NOW - timedelta(days=days_ago), "due": NOW + timedelta(days=due_in_days),
            "reps": 1, "lapses": 0, "suspended": suspended}


def test_join_codes_membership_and_regeneration(db, classroom, learner, make_user):
    code = classroom.join_code
    assert len(code) == 8 and code.isalnum() and code.isupper()
    assert service.join(db.session, learner, code.lower()[:4] + "-" + code.lower()[4:]).id == classroom.id
    with pytest.raises(service.ClassError, match="no class has that code"):
        service.join(db.session, make_user("x@example.org"), "NOPE1234")
    new = service.regenerate_code(db.session, classroom)
    assert new != code
    with pytest.raises(service.ClassError):
        service.join(db.session, make_user("y@example.org"), code)
    assert service.is_member(db.session, learner, classroom)  # members stay


def test_joining_makes_a_class_pack_visible_to_the_learner(client, db, classroom, learner, log_in):
    log_in(learner)
    assert client.get("/packs/ports-quiz/study").status_code == 404
    assert "Instructor pack" not in client.get("/").get_data(as_text=True)
    response = client.post("/classes/join", data={"code": classroom.join_code})
    assert response.status_code == 302
    assert client.get("/packs/ports-quiz/study").status_code == 200
    assert "Instructor pack" in client.get("/").get_data(as_text=True)
    assert "Instructor pack" in client.get("/classes/").get_data(as_text=True)
    client.post(f"/classes/{classroom.id}/leave")
    assert client.get("/packs/ports-quiz/study").status_code == 404


def test_progress_numbers_from_known_review_logs(db, classroom, learner, make_user):
    bea = make_user("bea@example.org", "correct horse battery")
    idle = make_user("ivan@example.org", "correct horse battery")
    for user in (learner, bea, idle):
        service.join(db.session, user, classroom.join_code)
    # Lea: services topic, 3 answers (2 right), one card in review with stability 10 reviewed 10 days ago.
    answer(db, learner, "default-type", False, NOW - timedelta(days=12), {"choice": 1})
    answer(db, learner, "default-type", True, NOW - timedelta(days=10), {"choice": 0},
           state=review_state(10, 10.0, -1))  # due yesterday: due now
    answer(db, learner, "dns-address", True, NOW - timedelta(hours=2), {"text": "127.0.0.11"},
           state=review_state(2 / 24, 3.0, 2))
    # Bea: one wrong answer on default-type (a different wrong choice) and a wrong sim answer.
    answer(db, bea, "default-type", False, NOW - timedelta(days=1), {"choice": 2})
    answer(db, bea, "sim-nodeport", False, NOW - timedelta(days=1), {"text": "10.0.0.1:80"})
    db.session.commit()

    report = progress.class_progress(db.session, classroom.id, NOW)
    topics = {t.slug: t for t in report.topics}
    assert [t.slug for t in report.topics] == ["services", "sim"] and topics["services"].cards == 2
    rows = {row.email: row for row in report.learners}
    lea = rows["lea@example.org"].cells[topics["services"].id]
    assert (lea.reviews, lea.right, lea.due, lea.seen) == (3, 2, 1, 2)
    assert lea.retention == pytest.approx(2 / 3)
    scheduler = sched.make_scheduler(fuzz=False)
    r1 = sched.retrievability(scheduler, {**sched.new_state(NOW), "state": 2, "stability": 10.0,
                                          "last_review": sched.iso(NOW - timedelta(days=10))}, 0, NOW)
    r2 = sched.retrievability(scheduler, {**sched.new_state(NOW), "state": 2, "stability": 3.0,
                                          "last_review": sched.iso(NOW - timedelta(hours=2))}, 0, NOW)
    assert lea.mastery == pytest.approx((r1 + r2) / 2)  # both cards of the topic studied
    assert rows["lea@example.org"].cells[topics["sim"].id].mastery == 0  # never studied: 0
    assert rows["lea@example.org"].last_active == NOW - timedelta(hours=2)
    assert rows["lea@example.org"].mastery == pytest.approx((r1 + r2) / 3)  # 3 cards in the class's packs
    assert rows["ivan@example.org"].reviews == 0 and rows["ivan@example.org"].last_active is None
    assert rows["bea@example.org"].retention == 0

    by_slug = {q.slug: q for q in report.questions}
    assert report.questions[0].missed_share == 1.0
    default = by_slug["default-type"]
    assert (default.answers, default.wrong, default.learners, default.learners_wrong) == (3, 2, 2, 2)
    assert sorted((w.text, w.count) for w in default.wrong_answers) == [("LoadBalancer", 1), ("NodePort", 1)]
    assert by_slug["sim-nodeport"].wrong_answers[0].text == "10.0.0.1:80"
    assert by_slug["dns-address"].wrong == 0 and by_slug["dns-address"].missed_share == 0


def test_class_page_and_gradebook_csv(client, db, classroom, instructor, learner, log_in):
    service.join(db.session, learner, classroom.join_code)
    answer(db, learner, "default-type", False, NOW, {"choice": 1})
    db.session.commit()
    log_in(instructor)
    page = client.get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert classroom.join_code in page and "Lea" in page and "Questions learners get wrong" in page
    assert "NodePort" in page  # the most common wrong answer, as text
    response = client.get(f"/classes/{classroom.id}/gradebook.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5:] == ["Instructor pack: Services (ports-quiz/services)", "Instructor pack: Sim (ports-quiz/sim)",
                           "Current Score", "Final Score", "Language"]
    assert rows[1] == ["Points Possible", "", "", "", "", "100.00", "100.00", "(read only)", "(read only)",
                       "(read only)"]
    assert rows[2][:5] == ["Lea", str(learner.id), "", "lea@example.org", "Networking 101"]
    assert rows[2][-1] == "browser"  # no language chosen: the browser's decides
    learner.language = "zh-CN"
    db.session.commit()
    page = client.get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert '<span class="badge" lang="zh-CN"' in page
    rows = list(csv.reader(io.StringIO(client.get(f"/classes/{classroom.id}/gradebook.csv").get_data()
                                       .decode("utf-8-sig"))))
    assert rows[2][-1] == "zh-CN"
    assert len(rows) == 3 and all(len(row) == len(rows[0]) for row in rows)


def test_gradebook_neutralises_spreadsheet_formulas(db, classroom, make_user):
    evil = make_user("evil@example.org", "correct horse battery")
    evil.display_name = "=HYPERLINK(\"http://x\")"
    service.join(db.session, evil, classroom.join_code)
    db.session.commit()
    rows = progress.gradebook_rows(progress.class_progress(db.session, classroom.id), "S")
    assert rows[2][0].startswith("'=")


def test_class_page_query_count_does_not_grow_with_learners(app, client, db, classroom, instructor, log_in,
                                                           make_user):
    log_in(instructor)

    def queries_for_page() -> int:
        count = [0]

        def count_query(*_args, **_kwargs):
            count[0] += 1
        event.listen(db.engine, "before_cursor_execute", count_query)
        try:
            assert client.get(f"/classes/{classroom.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count_query)
        return count[0]

    def add_learners(n: int, start: int) -> None:
        for i in range(start, start + n):
            user = make_user(f"learner{i}@example.org", "correct horse battery")
            service.join(db.session, user, classroom.join_code)
            answer(db, user, "default-type", i % 2 == 0, NOW - timedelta(hours=i), {"choice": i % 3},
                   state=review_state(1, 5.0, 1))
            answer(db, user, "sim-nodeport", False, NOW - timedelta(hours=i), {"text": f"10.0.0.{i}:80"})
        db.session.commit()

    add_learners(2, 0)
    few = queries_for_page()
    add_learners(10, 2)
    many = queries_for_page()
    assert many == few, f"{few} queries with 2 learners, {many} with 12"
    assert many <= 20


def test_instructors_assign_their_own_or_public_packs_only(db, classroom, other_instructor, instructor):
    other_room = service.create_class(db.session, other_instructor, "Other class")
    pack = db.session.scalar(select(Pack).where(Pack.slug == "ports-quiz"))
    with pytest.raises(service.ClassError, match="your own packs and public packs"):
        service.assign_pack(db.session, other_instructor, other_room, pack.id)
    pack.visibility = "public"
    service.assign_pack(db.session, other_instructor, other_room, pack.id)  # public: anyone may assign it
    assert pack.visibility == "public"


def test_assigning_a_private_pack_opens_it_to_classes(db, instructor):
    spec = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(pack_files()))])).bank.packs.values()))
    publishing.publish_spec(db.session, instructor, spec, source="upload")
    room = service.create_class(db.session, instructor, "R")
    pack = db.session.scalar(select(Pack))
    assert pack.visibility == "private"
    _pack, opened = service.assign_pack(db.session, instructor, room, pack.id)
    assert opened and pack.visibility == "classes"
