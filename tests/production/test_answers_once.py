"""An answer is recorded once per submission (idempotency key: a hidden field per shown card, the
Idempotency-Key header in the API, UNIQUE in the database); a second tab cannot apply a stale answer."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp.checking import check_answer
from quizapp.models import CardState, ReviewLog, User
from quizapp.study import reviews
from tests.production.helpers import single_choice_card


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def shown_form(client, card) -> dict:
    page = client.get(f"/packs/fixture-pack/study?card={card.id}&seed=1").get_data(as_text=True)
    return {"card": str(card.id), "seed": "1", "choice": "1", "idempotency_key": hidden(page, "idempotency_key"),
            "state_version": hidden(page, "state_version"), "shown": hidden(page, "shown")}


def logs(db) -> int:
    return db.session.scalar(select(func.count(ReviewLog.id)))


def test_each_shown_card_gets_its_own_key_and_the_state_version(client, bank, make_user, login, db):
    make_user()
    login()
    card = single_choice_card(db)
    first, second = shown_form(client, card), shown_form(client, card)
    assert first["idempotency_key"] != second["idempotency_key"] and len(first["idempotency_key"]) >= 20
    assert first["state_version"] == "0"  # a new card


def test_double_submit_of_a_form_is_recorded_once(client, bank, make_user, login, db):
    make_user()
    login()
    card = single_choice_card(db)
    form = shown_form(client, card)
    first = client.post("/packs/fixture-pack/study", data=form)
    again = client.post("/packs/fixture-pack/study", data=form)  # double click, or the browser resends
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]  # the same feedback: the first answer
    assert logs(db) == 1
    assert db.session.scalar(select(CardState.reps)) == 1


def test_api_retry_with_the_same_key_answers_with_the_first_result(client, bank, make_user, db):
    from quizapp.auth.service import create_token

    user = make_user()
    _row, token = create_token(db.session, user, "t")
    db.session.commit()
    card = single_choice_card(db)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-7f3a"}
    body = {"card_id": card.id, "response": {"choice": 1}, "seed": 3}
    first = client.post("/api/v1/answers", json=body, headers=headers)
    retry = client.post("/api/v1/answers", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert logs(db) == 1
    # A retry with another body still gets the first result: the key names the submission.
    changed = client.post("/api/v1/answers", json={**body, "response": {"choice": 0}}, headers=headers)
    assert changed.get_json() == first.get_json() and logs(db) == 1
    other = client.post("/api/v1/answers", json=body, headers={**headers, "Idempotency-Key": "another"})
    assert other.status_code == 201 and logs(db) == 2
    bad = client.post("/api/v1/answers", json=body, headers={**headers, "Idempotency-Key": "x" * 65})
    assert bad.status_code == 400


def test_the_database_refuses_a_second_answer_with_the_same_key(bank, make_user, db):
    user = make_user()
    card = single_choice_card(db)
    for _ in range(2):
        db.session.add(ReviewLog(user_id=user.id, card_id=card.id, rating=3, correct=True, state_after={},
                                 idempotency_key="same"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # Keys are per learner, and answers without a key (older clients, imports) never collide.
    other = make_user("bob@example.org")
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    for owner, key in ((user, "same"), (other, "same"), (user, None), (user, None)):
        db.session.add(ReviewLog(user_id=owner.id, card_id=card.id, rating=3, correct=True, state_after={},
                                 idempotency_key=key))
    db.session.commit()
    assert logs(db) == 4


def test_two_tabs_answering_the_same_card(client, bank, make_user, login, db):
    """Behaviour: the first answer counts; the second tab's answer is not recorded, and that tab is sent on to
    the next question with a notice. The state is the first answer's, with no lost or double update."""
    make_user()
    login()
    card = single_choice_card(db)
    for _ in range(2):  # a new card (version 0), then a card with a state (version 1, 2, ...)
        tab_a, tab_b = shown_form(client, card), shown_form(client, card)
        assert tab_a["state_version"] == tab_b["state_version"]
        before = logs(db)
        assert client.post("/packs/fixture-pack/study", data=tab_a).headers["Location"].startswith("/reviews/")
        db.session.expire_all()
        state_after_a = db.session.scalar(select(CardState))
        snapshot = (state_after_a.version, state_after_a.reps, state_after_a.due, state_after_a.stability)
        late = client.post("/packs/fixture-pack/study", data={**tab_b, "choice": "0"})
        assert late.status_code == 302 and late.headers["Location"].endswith("/packs/fixture-pack/study")
        assert "answered in another tab" in client.get(late.headers["Location"]).get_data(as_text=True)
        db.session.expire_all()
        state = db.session.scalar(select(CardState))
        assert (state.version, state.reps, state.due, state.stability) == snapshot
        assert logs(db) == before + 1


def test_concurrent_updates_of_one_state_are_detected(bank, make_user, db, app):
    """Two requests that both read a state before either writes: the second write is refused (version check in
    the UPDATE), not applied on top of the first."""
    user = make_user()
    card = single_choice_card(db)
    scheduler = reviews.learner_scheduler(user, fuzz=False)
    result = check_answer("single", card.question.data, card.card_key, {"choice": 1}, variant=1)
    reviews.record_answer(db.session, user, card, {"choice": 1}, result, 4000, 1, scheduler)
    db.session.commit()

    stale = reviews.card_state(db.session, user, card.id)  # request 1 has read the state ...
    assert stale.version == 1
    with Session(db.engine) as other:  # ... request 2 reads it too, answers and commits first
        other_user = other.get(User, user.id)
        other_card = other.get(type(card), card.id)
        reviews.record_answer(other, other_user, other_card, {"choice": 1}, result, 4000, 1, scheduler)
        other.commit()
    with pytest.raises(reviews.AlreadyAnswered):
        reviews.record_answer(db.session, user, card, {"choice": 0}, result, 4000, 1, scheduler)
    db.session.rollback()
    assert db.session.scalar(select(CardState.version)) == 2 and logs(db) == 2
