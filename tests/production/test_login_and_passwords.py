"""Login is rate-limited per (account, address), per address, and softly per account for unknown browsers (Flask-Limiter; Redis when REDIS_URL is set);
passwords of new accounts follow the rules in quizapp/auth/passwords.py."""
from __future__ import annotations

import socket
import uuid

import pytest
from sqlalchemy import select

from quizapp.auth.passwords import password_problems
from quizapp.models import User
from tests.conftest import make_app
from tests.requirements import require


def attempt(client, email: str, password: str, address: str = "198.51.100.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failures_count_per_account_and_address(client, make_user):
    make_user()
    for _ in range(10):  # ten wrong passwords for one account from one address
        assert attempt(client, "ada@example.org", "wrong", "198.51.100.7").status_code == 400
    blocked = attempt(client, "ADA@example.org", "correct horse", "198.51.100.7")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True) and int(blocked.headers["Retry-After"]) > 0
    assert attempt(client, "ada@example.org", "correct horse", "198.51.100.8").status_code == 302


def test_an_attacker_cannot_lock_the_owner_out(app, make_user):
    """The issue's finding: 20 wrong passwords naming an email made the owner's right password fail from any
    address for 15 minutes. Now failures from elsewhere only slow down browsers that never logged in to it."""
    make_user()
    owner, attacker = app.test_client(), app.test_client()
    assert attempt(owner, "ada@example.org", "correct horse", "192.0.2.1").status_code == 302  # their browser
    owner.post("/logout")
    for number in range(40):  # from forty addresses
        assert attempt(attacker, "ada@example.org", "wrong", f"198.51.100.{number + 10}").status_code in (400, 429)
    assert attempt(attacker, "ada@example.org", "correct horse", "198.51.100.99").status_code == 429  # slowed
    assert attempt(owner, "ada@example.org", "correct horse", "203.0.113.50").status_code == 302  # not locked out


def test_successful_logins_do_not_count(client, make_user):
    make_user()
    for _ in range(15):
        assert attempt(client, "ada@example.org", "correct horse").status_code == 302
        client.post("/logout")


def test_failed_logins_per_address_are_limited(database_url, tmp_path, make_user):
    make_user()
    client = make_app(database_url, tmp_path / "i", LOGIN_LIMIT_PER_ADDRESS="5 per minute").test_client()
    for number in range(5):  # five accounts guessed from one address
        assert attempt(client, f"user{number}@example.org", "guess", "203.0.113.5").status_code == 400
    assert attempt(client, "ada@example.org", "correct horse", "203.0.113.5").status_code == 429
    assert attempt(client, "ada@example.org", "correct horse", "203.0.113.6").status_code == 302


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_the_limits_are_shared_by_servers_through_redis(database_url, tmp_path, make_user):
    require(redis_reachable(), "Redis is not running on 127.0.0.1:6379")
    make_user()
    config = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
              "RATELIMIT_KEY_PREFIX": f"quizapp-test-{uuid.uuid4().hex}", "LOGIN_LIMIT_PER_ACCOUNT": "4 per minute"}
    one = make_app(database_url, tmp_path / "one", **config).test_client()
    two = make_app(database_url, tmp_path / "two", **config).test_client()
    for client in (one, two, one, two):
        assert attempt(client, "ada@example.org", "wrong").status_code == 400
    assert attempt(one, "ada@example.org", "correct horse").status_code == 429
    assert attempt(two, "ada@example.org", "correct horse").status_code == 429


@pytest.mark.parametrize(("password", "email", "problem"), [
    ("short1", "a@example.org", "at least 10 characters"),
    ("grace.hopper@example.org", "Grace.Hopper@example.org", "email address"),
    ("grace.hopper", "grace.hopper@example.org", "email address"),
    ("Password123", "a@example.org", "most common"),
    ("qwertyuiop", "a@example.org", "most common"),
])
def test_password_rules(password, email, problem):
    assert any(problem in message for message in password_problems(password, email))


def test_good_password_passes():
    assert password_problems("violet-otter-42-lanes", "a@example.org") == []


SIGNUP = {"email": "grace@example.org", "display_name": "Grace", "timezone": "UTC"}


@pytest.mark.parametrize(("password", "message"), [
    ("tooshort", "use at least 10 characters"),
    ("grace@example.org", "do not use your email address as the password"),
    ("iloveyou123", "one of the most common passwords"),
])
def test_signup_shows_clear_password_errors(client, db, password, message):
    response = client.post("/signup", data={**SIGNUP, "password": password, "confirm": password})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_signup_form_states_the_rules(client):
    assert "at least 10 characters; not your email, not a common password" in client.get("/signup").get_data(
        as_text=True)


def test_serve_says_loudly_that_limits_are_per_process_without_redis():
    from quizapp.serve import limits_warning

    warning = limits_warning(4, {})
    assert "log-in, sign-up and invitation limits are shared through the database" in warning
    assert "answer, import and trace rate limits are per process" in warning
    assert limits_warning(4, {"REDIS_URL": "redis://127.0.0.1:6379/0"}) is None and limits_warning(1, {}) is None


@pytest.mark.parametrize("email", ["ada\u200b@example.org", "ada@exa\u202emple.org", "ad\u2066a@example.org",
                                   "ada\u00a0x@example.org"])
def test_emails_with_invisible_or_direction_characters_are_refused(client, db, email):
    response = client.post("/signup", data={**SIGNUP, "email": email, "password": "violet-otter-42-lanes",
                                            "confirm": "violet-otter-42-lanes"})
    assert response.status_code == 400 and "invisible" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_emails_are_nfkc_normalised(client, db):
    fullwidth = "\uff41\uff44\uff41@example.org"  # ａｄａ
    response = client.post("/signup", data={**SIGNUP, "email": fullwidth, "password": "violet-otter-42-lanes",
                                            "confirm": "violet-otter-42-lanes"})
    assert response.status_code == 302
    assert db.session.scalar(select(User.email)) == "ada@example.org"


def test_csrf_token_changes_at_log_in_and_log_out(app, make_user):
    """The session's CSRF secret is dropped when someone logs in or out (the next form gets a new one): a
    token seen before logging in (or by the previous user of a shared browser) is worthless after."""
    make_user()
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True

    def secret():
        with client.session_transaction() as session:
            return session.get("csrf_token")

    def form_token(path):
        page = client.get(path).get_data(as_text=True)
        return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    token = form_token("/login")
    before = secret()
    assert before and client.post("/login", data={"email": "ada@example.org", "password": "correct horse",
                                                  "csrf_token": token}).status_code == 302
    assert secret() != before
    with client.session_transaction() as session:
        session["csrf_token"] = "logged-in-secret"
    from itsdangerous import URLSafeTimedSerializer

    token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("logged-in-secret")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert secret() != "logged-in-secret"
