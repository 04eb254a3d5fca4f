"""Accounts: sign-in sessions end for real at log-out, log out everywhere, change the password, reset it by
e-mail through a real SMTP conversation (an in-process aiosmtpd server), delete the account."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.auth.models import LoginSession
from quizapp.models import ApiToken, ReviewLog, User

PASSWORD = "correct horse"


@pytest.fixture
def user(make_user):
    return make_user()


def forget_cached_user() -> None:
    from flask import g
    g.pop("_login_user", None)  # the test keeps one app context: Flask-Login's per-request cache lives in it


def log_in(app, password: str = PASSWORD):
    forget_cached_user()
    client = app.test_client()
    response = client.post("/login", data={"email": "ada@example.org", "password": password})
    assert response.status_code == 302
    return client


def signed_in(client) -> bool:
    forget_cached_user()
    return client.get("/account").status_code == 200


def test_log_out_ends_the_session_on_the_server(app, db, user):
    client = log_in(app)
    with client.session_transaction() as session:
        stolen = dict(session)  # a copy of the cookie's content, as a thief would keep it
    assert signed_in(client)
    client.post("/logout")
    assert not signed_in(client)
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert not signed_in(thief)  # the session it names is gone
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_a_bare_user_id_in_the_cookie_is_not_a_session(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not signed_in(client)


def test_log_out_everywhere(app, db, user):
    laptop, phone = log_in(app), log_in(app)
    assert signed_in(laptop) and signed_in(phone)
    response = phone.post("/account/logout-everywhere")
    assert response.status_code == 302
    assert not signed_in(laptop) and not signed_in(phone)


def test_change_password_keeps_this_session_and_ends_the_others(app, db, user):
    laptop, phone = log_in(app), log_in(app)
    wrong = phone.post("/account/password", data={"current": "nope", "password": "a new long passphrase",
                                                  "confirm": "a new long passphrase"})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    weak = phone.post("/account/password", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert weak.status_code == 400
    done = phone.post("/account/password", data={"current": PASSWORD, "password": "a new long passphrase",
                                                 "confirm": "a new long passphrase"})
    assert done.status_code == 302
    assert signed_in(phone) and not signed_in(laptop)
    log_in(app, "a new long passphrase")
    forget_cached_user()
    bad = app.test_client().post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert bad.status_code != 302


def test_password_reset_by_email_through_smtp(app, db, user, mailbox):
    received = mailbox.messages  # a real SMTP server in this process (tests/mailbox.py)
    old_session = log_in(app)
    client = app.test_client()
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    known = client.post("/password/forgot", data={"email": "ADA@example.org "})
    assert unknown.status_code == known.status_code == 302  # the same answer: no account enumeration
    assert len(received) == 1
    recipients, message = received[0]
    assert recipients == ["ada@example.org"] and message["From"] == "quiz@example.org"
    link = re.search(r"http://localhost(/password/reset/\S+)", message.get_payload(decode=True).decode()).group(1)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": "a fresh long passphrase", "confirm": "a fresh long passphrase"})
    assert done.status_code == 302
    assert not signed_in(old_session)  # every sign-in ended
    log_in(app, "a fresh long passphrase")
    again = client.get(link)  # the link works once
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    forged = client.get("/password/reset/abc.def.ghi")
    assert forged.status_code == 400 and "not valid" in forged.get_data(as_text=True)


def test_without_smtp_the_message_goes_to_the_log(app, db, user, caplog):
    app.config["SMTP_HOST"] = ""
    with caplog.at_level("INFO", logger="quizapp.mail"):
        app.test_client().post("/password/forgot", data={"email": "ada@example.org"})
    assert "/password/reset/" in caplog.text and "QUIZAPP_SMTP_HOST is not set" in caplog.text


def test_delete_account_offers_the_export_and_removes_everything(app, db, user, bank):
    from quizapp.auth.service import create_token
    client = log_in(app)
    create_token(db.session, user, "cli")
    db.session.commit()
    page = client.get("/account/delete").get_data(as_text=True)
    assert "/export/progress.json" in page and "Delete my account" in page
    refused = client.post("/account/delete", data={"password": PASSWORD, "confirm": "yes"})
    assert refused.status_code == 400 and "type DELETE" in refused.get_data(as_text=True)
    refused = client.post("/account/delete", data={"password": "wrong", "confirm": "DELETE"})
    assert refused.status_code == 400
    done = client.post("/account/delete", data={"password": PASSWORD, "confirm": "DELETE"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 0
    assert not signed_in(client)
