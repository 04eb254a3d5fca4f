"""Atomic publish under a concurrent study session: learners see the old version or the new one, never a mix,
and an answer is graded against the version the learner was shown."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from quizapp.models import Card, Pack, Question, ReviewLog
from quizapp.packs import publishing
from quizapp.packs.uploads import read_upload
from tests.instructor.conftest import PASSWORD
from tests.instructor.helpers import form_value, make_zip, md, pack_files

V2_SINGLE = ("## Default Service type {#default-type}\n\ntype: single\nshuffle: false\n\nWhich type is the default "
             "(version 2)?\n\n### Choices\n\n- [ ] ClusterIP\n- [x] NodePort\n- [ ] LoadBalancer\n\n"
             "### Explanation\n\nVersion 2 says NodePort.\n")


def spec_of(files):
    return next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(files))])).bank.packs.values()))


def v2_files():
    files = pack_files()
    files["ports-quiz/services.md"] = md("ports-quiz", "Services", V2_SINGLE)  # dns-address retired
    return files


@pytest.fixture
def published(db, instructor):
    publishing.publish_spec(db.session, instructor, spec_of(pack_files()), source="upload")
    db.session.scalar(select(Pack)).visibility = "public"
    db.session.commit()


@pytest.fixture
def learner_client(app, learner):
    client = app.test_client()
    assert client.post("/login", data={"email": learner.email, "password": PASSWORD}).status_code == 302
    return client


def card_of(db, slug):
    return db.session.scalar(select(Card).join(Question).where(Question.slug == slug))


def show(client, card):
    card_id = card if isinstance(card, int) else card.id
    page = client.get(f"/packs/ports-quiz/study?card={card_id}&seed=7").get_data(as_text=True)
    return page, form_value(page, "version")


def test_a_learner_shown_version_1_is_graded_against_version_1_after_version_2_is_published(
        db, instructor, learner, published, learner_client):
    card = card_of(db, "default-type")
    page, shown_hash = show(learner_client, card)
    assert "Which type is the default?" in page and "(version 2)" not in page
    v1_hash = card.question.content_hash
    assert shown_hash == v1_hash

    publishing.publish_spec(db.session, instructor, spec_of(v2_files()), source="upload")  # while the page is open
    db.session.commit()
    db.session.expire_all()
    assert card_of(db, "default-type").question.content_hash != v1_hash

    # ClusterIP (index 0) was right in version 1, the one shown; it is wrong in version 2.
    response = learner_client.post("/packs/ports-quiz/study", data={"card": card.id, "seed": 7, "choice": "0",
                                                                     "version": shown_hash})
    assert response.status_code == 302
    log = db.session.scalar(select(ReviewLog).order_by(ReviewLog.id.desc()))
    assert log.correct is True and log.content_hash == v1_hash
    feedback = learner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h2>Right</h2>" in feedback and "Which type is the default?" in feedback
    assert "Version 2 says NodePort" not in feedback

    # A page shown now is version 2, graded as version 2.
    page, shown_hash = show(learner_client, card)
    assert "(version 2)" in page and shown_hash != v1_hash
    learner_client.post("/packs/ports-quiz/study", data={"card": card.id, "seed": 7, "choice": "0",
                                                          "version": shown_hash})
    log = db.session.scalar(select(ReviewLog).order_by(ReviewLog.id.desc()))
    assert log.correct is False and log.content_hash == shown_hash


def test_a_card_retired_by_the_new_version_can_still_be_answered_as_shown(db, instructor, learner, published,
                                                                         learner_client):
    card = card_of(db, "dns-address")
    _page, shown_hash = show(learner_client, card)
    publishing.publish_spec(db.session, instructor, spec_of(v2_files()), source="upload")
    db.session.commit()
    response = learner_client.post("/packs/ports-quiz/study", data={"card": card.id, "seed": 1,
                                                                     "text": "127.0.0.11", "version": shown_hash})
    assert response.status_code == 302
    log = db.session.scalar(select(ReviewLog))
    assert log.correct and log.card_id == card.id
    # Without the shown version, a retired card is not answerable.
    assert learner_client.post("/packs/ports-quiz/study", data={"card": card.id, "seed": 1,
                                                                "text": "127.0.0.11"}).status_code == 404


def elsewhere(fn):
    """Run a request in another thread: its own app context, session and database connection, like a second
    server process (in this thread, requests share the test's session and would see its uncommitted writes)."""
    results = []
    thread = threading.Thread(target=lambda: results.append(fn()))
    thread.start()
    thread.join(30)
    assert results, "the request in the other thread failed"
    return results[0]


def test_learners_see_all_of_the_old_version_until_the_publish_commits(db, instructor, learner, published,
                                                                      learner_client):
    card, dns = card_of(db, "default-type").id, card_of(db, "dns-address").id
    v1_hash = card_of(db, "default-type").question.content_hash

    def learner_view():
        page, shown_hash = show(learner_client, card)
        return shown_hash, "(version 2)" in page, learner_client.get(f"/packs/ports-quiz/study?card={dns}").status_code

    # The instructor's publish is written (flushed: bank, version row, snapshot) but not committed yet ...
    publishing.publish_spec(db.session, instructor, spec_of(v2_files()), source="upload")
    db.session.flush()
    # ... a learner's request on its own connection sees version 1 entirely: old text, retired card still live.
    assert elsewhere(learner_view) == (v1_hash, False, 200)
    db.session.commit()
    # ... and version 2 entirely once it commits.
    shown_hash, new_text, dns_status = elsewhere(learner_view)
    assert shown_hash != v1_hash and new_text and dns_status == 404


def test_the_api_carries_the_version_shown(db, instructor, learner, published):
    from flask import current_app
    from quizapp.auth.service import create_token

    _row, token = create_token(db.session, learner, "t")
    db.session.commit()
    client = current_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    card = None
    for _ in range(5):
        body = client.get("/api/v1/packs/ports-quiz/next", headers=headers).get_json()
        if body["card"]["question"] == "default-type":
            card = body["card"]
            break
        client.post("/api/v1/answers", headers=headers, json={"card_id": body["card"]["id"], "seed": body["card"]["seed"],
                                                              "response": {"text": "x"}, "version": body["card"]["version"]})
    assert card is not None and card["version"]
    publishing.publish_spec(db.session, instructor, spec_of(v2_files()), source="upload")
    db.session.commit()
    response = client.post("/api/v1/answers", headers=headers, json={
        "card_id": card["id"], "seed": card["seed"], "response": {"choice": 0}, "version": card["version"]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["correct"] is True


def test_the_study_queue_never_offers_a_card_retired_by_a_publish(db, instructor, learner, published, learner_client):
    """The queue's cached card list (per process, quizapp.study.pack_cards) is keyed by the pack's content stamp,
    which the publish renews in its own transaction: the next page after the commit sees version 2."""
    from quizapp.study import reviews
    from quizapp.study.pack_cards import pack_cards

    dns = card_of(db, "dns-address").id
    pack = db.session.scalar(select(Pack))
    assert dns in [card_id for card_id, _ in pack_cards(db.session, pack).cards]
    assert learner_client.get("/packs/ports-quiz/study").status_code == 200  # the cache is warm
    before = reviews.build_queue(db.session, learner, pack).counts.new

    publishing.publish_spec(db.session, instructor, spec_of(v2_files()), source="upload")
    db.session.commit()
    pack = db.session.scalar(select(Pack))
    assert dns not in [card_id for card_id, _ in pack_cards(db.session, pack).cards]
    assert reviews.build_queue(db.session, learner, pack).counts.new == before - 1
    for _ in range(before):  # every new card the learner is offered now is a version 2 card
        page = learner_client.get("/packs/ports-quiz/study").get_data(as_text=True)
        card_id = int(form_value(page, "card"))
        assert card_id != dns
        learner_client.post("/packs/ports-quiz/study", data={"card": card_id, "seed": form_value(page, "seed"),
                                                             "version": form_value(page, "version"),
                                                             "state_version": form_value(page, "state_version"),
                                                             "choice": "0", "text": "x", "value": "true"})
