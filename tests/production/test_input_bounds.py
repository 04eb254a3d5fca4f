"""Every input bounded (issue #13, item 3): body sizes per route, integers that fit the database, NUL and
control characters refused, deep JSON refused with a clear 400, an idempotency key bound to its card (409),
answers rate-limited per learner. Each of these was a 500 or a stored 29 MiB answer before."""
from __future__ import annotations

from sqlalchemy import func, select

from quizapp.auth.service import create_token
from quizapp.models import Card, ReviewLog
from tests.production.helpers import answer_form, single_choice_card


def api_token(db, user) -> dict[str, str]:
    secret = create_token(db.session, user, "t")[1]
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_nul_and_control_characters_are_refused(client, bank, make_user, login):
    assert client.get("/packs/x%00y/study").status_code == 400  # anonymous, in the path
    assert client.get("/packs/fixture-pack/study?card=1%00").status_code == 400
    signup = client.post("/signup", data={"email": "eve@example.org", "display_name": "Eve\x07\x00",
                                          "password": "a long passphrase", "confirm": "a long passphrase"})
    assert signup.status_code == 400 and "control character" in signup.get_data(as_text=True)


def test_out_of_range_integers_are_404_or_400_not_500(client, db, bank, make_user, login):
    make_user()
    login()
    assert client.post("/cards/99999999999999999999/reset").status_code == 404
    assert client.get("/reviews/2147483648").status_code == 404
    card = single_choice_card(db)
    big_seed = client.post("/packs/fixture-pack/study", data=answer_form(card, seed=2**40))
    assert big_seed.status_code == 400
    assert db.session.scalar(select(func.count(ReviewLog.id))) == 0


def test_api_refuses_deep_json_control_characters_and_huge_integers(client, db, bank, make_user):
    headers = api_token(db, make_user())
    card = single_choice_card(db)
    deep = client.post("/api/v1/answers", data="[" * 50_000 + "]" * 50_000, headers=headers,
                       content_type="application/json")
    assert deep.status_code == 400 and deep.is_json and "nested" in deep.get_json()["error"]["message"]
    nul = client.post("/api/v1/answers", json={"card_id": card.id, "response": {"text": "a\u0000b"}}, headers=headers)
    assert nul.status_code == 400 and "$.response.text" in nul.get_json()["error"]["message"]
    huge = client.post("/api/v1/answers", json={"card_id": 2**63, "response": {"choice": 1}}, headers=headers)
    assert huge.status_code == 400 and huge.get_json()["error"]["path"] == "$.card_id"


def test_bodies_are_bounded_per_route(client, db, bank, make_user):
    headers = api_token(db, make_user())
    card = single_choice_card(db)
    big = client.post("/api/v1/answers", json={"card_id": card.id, "response": {"text": "x" * (29 * 2**20)}},
                      headers=headers)
    assert big.status_code == 413
    assert db.session.scalar(select(func.count(ReviewLog.id))) == 0


def test_an_idempotency_key_is_bound_to_its_card(client, db, bank, make_user):
    headers = {**api_token(db, make_user()), "Idempotency-Key": "same-key"}
    card = single_choice_card(db)
    recorded = client.post("/api/v1/answers", json={"card_id": card.id, "response": {"choice": 1}}, headers=headers)
    assert recorded.status_code == 201
    retry = client.post("/api/v1/answers", json={"card_id": card.id, "response": {"choice": 1}}, headers=headers)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    other = db.session.scalar(select(Card).where(Card.id != card.id).order_by(Card.id).limit(1))
    reused = client.post("/api/v1/answers", json={"card_id": other.id, "response": {"text": "x"}}, headers=headers)
    assert reused.status_code == 409 and reused.get_json()["error"]["code"] == "idempotency_key_reused"


def test_answers_are_rate_limited_per_learner(app, client, db, bank, make_user):
    app.config["ANSWER_LIMIT_PER_USER"] = "3 per minute"
    headers = api_token(db, make_user())
    card = single_choice_card(db)
    statuses = [client.post("/api/v1/answers", json={"card_id": card.id, "response": {"choice": 1}},
                            headers=headers).status_code for _ in range(4)]
    assert statuses[-1] == 429 and 429 not in statuses[:3]
