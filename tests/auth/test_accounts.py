"""Accounts: sign up, log in, log out, settings, tokens; CSRF on forms; a learner never reads another's data."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quizapp.models import ApiToken, Card, Question, User
from tests.conftest import make_app

SIGNUP = {"email": "Grace@Example.org", "display_name": "Grace", "password": "s3cret-pass",
          "confirm": "s3cret-pass", "timezone": "Europe/Berlin"}


def test_signup_confirmed_by_email_then_login_and_the_password_is_hashed(client, db, signup):
    signup(SIGNUP["email"], SIGNUP["password"], display_name="Grace", timezone="Europe/Berlin")
    user = db.session.scalar(select(User))
    assert user.email == "grace@example.org" and user.role == "learner" and user.timezone == "Europe/Berlin"
    assert user.email_verified_at is not None
    assert user.password_hash != SIGNUP["password"] and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert client.post("/login", data={"email": "grace@example.org", "password": SIGNUP["password"]}).status_code == 302
    assert "Hello, Grace" in client.get("/").get_data(as_text=True)


def test_signup_refuses_short_passwords_and_mismatches(client, db):
    short = client.post("/signup", data={**SIGNUP, "email": "x@example.org", "password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 10" in short.get_data(as_text=True)
    differ = client.post("/signup", data={**SIGNUP, "email": "y@example.org", "confirm": "other-pass"})
    assert differ.status_code == 400 and "passwords differ" in differ.get_data(as_text=True)
    assert db.session.scalars(select(User)).all() == []


def test_login_logout_and_wrong_password(client, make_user):
    make_user()
    bad = client.post("/login", data={"email": "ada@example.org", "password": "nope"})
    assert bad.status_code == 400 and "wrong email or password" in bad.get_data(as_text=True)
    unknown = client.post("/login", data={"email": "who@example.org", "password": "nope"})
    assert unknown.status_code == 400
    ok = client.post("/login?next=/stats", data={"email": "ADA@example.org", "password": "correct horse"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/stats"
    assert client.get("/stats").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/stats").status_code == 302  # back to the login page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, make_user, target):
    make_user()
    response = client.post(f"/login?next={target}", data={"email": "ada@example.org", "password": "correct horse"})
    assert response.headers["Location"] == "/"


def test_settings_are_saved_and_validated(client, make_user, login, db):
    user = make_user()
    login()
    form = {"desired_retention": "0.85", "new_per_day": "5", "reviews_per_day": "50", "timezone": "Asia/Tokyo",
            "rollover_hour": "3"}
    assert client.post("/account", data=form).status_code == 302
    db.session.refresh(user)
    assert (user.desired_retention, user.new_per_day, user.reviews_per_day, user.timezone, user.rollover_hour) == \
        (0.85, 5, 50, "Asia/Tokyo", 3)
    bad = client.post("/account", data={**form, "desired_retention": "0.3", "rollover_hour": "24",
                                        "timezone": "Mars/Base"})
    page = bad.get_data(as_text=True)
    assert "between 0.70 and 0.97" in page and "Not a valid choice" in page
    db.session.refresh(user)
    assert user.desired_retention == 0.85


def test_tokens_are_shown_once_and_stored_hashed(client, make_user, login, db):
    make_user()
    login()
    page = client.post("/account/tokens", data={"name": "laptop"}).get_data(as_text=True)
    token = re.search(r'data-testid="new-token">([^<]+)<', page).group(1)
    row = db.session.scalar(select(ApiToken))
    assert token.startswith("qz_") and token not in row.token_hash and row.name == "laptop"
    assert token not in client.get("/account").get_data(as_text=True)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_forms_without_a_csrf_token_are_refused(database_url, tmp_path, db):
    """The suite disables CSRF for brevity; with it on (as in production) token-less posts fail."""
    app = make_app(database_url, tmp_path / "csrf-instance", WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        assert client.post("/signup", data=SIGNUP).status_code == 400
        assert client.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 400
        assert client.post("/study/undo").status_code == 400
        page = client.get("/signup").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/signup", data={**SIGNUP, "csrf_token": token}).status_code == 302


# --- authorization: a learner never reads another's data --------------------------------------------------

@pytest.fixture
def two_learners(bank, make_user, client, db):
    ada = make_user("ada@example.org")
    bob = make_user("bob@example.org")
    card = db.session.scalar(select(Card).join(Question).where(Question.slug == "default-service-type"))
    client.post("/login", data={"email": "ada@example.org", "password": "correct horse"})
    answered = client.post("/packs/fixture-pack/study", data={"card": card.id, "seed": 3, "choice": "1"})
    log_id = int(answered.headers["Location"].rsplit("/", 1)[1])
    token = re.search(r'data-testid="new-token">([^<]+)<',
                      client.post("/account/tokens", data={"name": "ada"}).get_data(as_text=True)).group(1)
    client.post("/logout")
    return ada, bob, log_id, token


def test_another_learners_answer_is_not_found(client, two_learners):
    _ada, _bob, log_id, _token = two_learners
    client.post("/login", data={"email": "bob@example.org", "password": "correct horse"})
    assert client.get(f"/reviews/{log_id}").status_code == 404
    assert client.post(f"/reviews/{log_id}/rating", data={"rating": "4"}).status_code == 404
    undo = client.post("/study/undo")  # Bob has nothing to undo; Ada's answer stays
    assert undo.status_code == 302
    exported = client.get("/export/progress.json").get_json()
    assert exported["reviews"] == [] and exported["card_states"] == []
    assert "ClusterIP" not in client.get("/export/reviews.csv").get_data(as_text=True)
    assert client.get("/export/xapi.json").get_json() == []
    stats = client.get("/stats").get_data(as_text=True)
    assert "<dd>0</dd>" in stats


def test_another_learners_answer_is_not_found_through_the_api(client, two_learners, db):
    _ada, bob, log_id, ada_token = two_learners
    from quizapp.auth.service import create_token

    _row, bob_token = create_token(db.session, bob, "bob")
    db.session.commit()
    bob_headers = {"Authorization": f"Bearer {bob_token}"}
    assert client.get(f"/api/v1/reviews/{log_id}", headers=bob_headers).status_code == 404
    assert client.put(f"/api/v1/reviews/{log_id}/rating", json={"rating": 4}, headers=bob_headers).status_code == 404
    assert client.post("/api/v1/undo", headers=bob_headers).status_code == 409
    assert client.get("/api/v1/export", headers=bob_headers).get_json()["reviews"] == []
    ada_headers = {"Authorization": f"Bearer {ada_token}"}
    assert client.get(f"/api/v1/reviews/{log_id}", headers=ada_headers).status_code == 200
    assert len(client.get("/api/v1/export", headers=ada_headers).get_json()["reviews"]) == 1


def test_study_pages_need_a_login_but_trying_a_pack_does_not(client, bank):
    assert client.get("/stats").status_code == 302
    assert client.get("/account").status_code == 302
    assert client.get("/export/progress.json").status_code == 302
    assert client.get("/packs/fixture-pack/study").status_code == 200
