"""Sign-up answers the same whether or not an address has an account; the e-mail (through a real SMTP server,
tests/mailbox.py) says what happened; unconfirmed accounts cannot log in until their link is opened."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.auth import verification
from quizapp.models import User
from tests.mailbox import body_of, link_in

PASSWORD = "s3cret-pass"
FORM = {"display_name": "Grace", "password": PASSWORD, "confirm": PASSWORD, "timezone": "UTC"}


def post_signup(client, email: str, **fields: str):
    return client.post("/signup", data={**FORM, "email": email, **fields})


def visible(response) -> tuple[int, str | None]:
    """What the person at the keyboard sees of a sign-up's answer: status and where it leads."""
    return response.status_code, response.headers.get("Location")


def test_the_page_answers_the_same_for_a_new_a_confirmed_and_an_unconfirmed_address(client, db, make_user,
                                                                                     mailbox):
    make_user("ada@example.org")  # a confirmed account (with its own password)
    new = post_signup(client, "grace@example.org")
    unconfirmed = post_signup(client, "grace@example.org", password="another-pass-1", confirm="another-pass-1")
    taken = post_signup(client, "ada@example.org")
    assert visible(new) == visible(unconfirmed) == visible(taken) == (302, "/signup/sent")
    assert new.get_data() == unconfirmed.get_data() == taken.get_data()
    page = client.get("/signup/sent").get_data(as_text=True)
    assert "Check your e-mail" in page and "ada@" not in page and "grace@" not in page
    # what happened is told in the mailbox of the address
    assert "/signup/confirm/" in body_of(mailbox.last_to("grace@example.org"))
    to_ada = mailbox.last_to("ada@example.org")
    assert to_ada["Subject"] == "Someone tried to sign up with your address"
    assert "/login" in body_of(to_ada) and "/password/forgot" in body_of(to_ada)
    assert "/signup/confirm/" not in body_of(to_ada)
    ada = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert ada.display_name == "Ada" and ada.email_verified_at is not None  # nothing changed on her account
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_an_unconfirmed_account_cannot_log_in_and_gets_a_resend_button(client, db, mailbox):
    post_signup(client, "grace@example.org")
    refused = client.post("/login", data={"email": "grace@example.org", "password": PASSWORD})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "Confirm your e-mail address first" in page
    assert 'action="/signup/resend"' in page
    wrong = client.post("/login", data={"email": "grace@example.org", "password": "not-the-password"})
    assert wrong.status_code == 400 and "Confirm your e-mail" not in wrong.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not logged in
    # send the link again: a second mail with a working link
    assert len(mailbox.to("grace@example.org")) == 1
    again = client.post("/signup/resend", data={"email": "grace@example.org"})
    assert visible(again) == (302, "/signup/sent")
    assert len(mailbox.to("grace@example.org")) == 2
    assert client.get(mailbox.link("grace@example.org", "/signup/confirm/")).status_code == 302
    assert client.post("/login", data={"email": "grace@example.org", "password": PASSWORD}).status_code == 302


def test_resend_answers_the_same_for_every_address_and_mails_only_unconfirmed_accounts(client, make_user,
                                                                                       mailbox):
    make_user("ada@example.org")
    answers = {visible(client.post("/signup/resend", data={"email": email}))
               for email in ("ada@example.org", "nobody@example.org")}
    assert answers == {(302, "/signup/sent")}
    assert mailbox.messages == []


def test_the_link_of_an_earlier_signup_stops_working_after_a_later_one(client, db, mailbox):
    """Whoever typed someone else's address first cannot keep a password on that account: only the newest
    sign-up's link confirms it."""
    post_signup(client, "grace@example.org", password="attacker-pass-1", confirm="attacker-pass-1")
    first = mailbox.link("grace@example.org", "/signup/confirm/")
    post_signup(client, "grace@example.org")
    second = mailbox.link("grace@example.org", "/signup/confirm/")
    stale = client.get(first)
    assert stale.status_code == 400 and "replaced by a newer one" in stale.get_data(as_text=True)
    assert client.get(second).status_code == 302
    assert client.post("/login", data={"email": "grace@example.org", "password": "attacker-pass-1"}).status_code == 400
    assert client.post("/login", data={"email": "grace@example.org", "password": PASSWORD}).status_code == 302


def test_forged_and_expired_links_are_refused(app, client, db, mailbox, monkeypatch):
    forged = client.get("/signup/confirm/abc.def.ghi")
    assert forged.status_code == 400 and "not valid" in forged.get_data(as_text=True)
    post_signup(client, "grace@example.org")
    link = mailbox.link("grace@example.org", "/signup/confirm/")
    monkeypatch.setattr(verification, "VERIFY_MAX_AGE", -1)  # every link is older than that
    expired = client.get(link)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert db.session.scalar(select(User.email_verified_at)) is None


def test_a_password_reset_confirms_the_address(client, db, mailbox):
    post_signup(client, "grace@example.org")
    client.post("/password/forgot", data={"email": "grace@example.org"})
    link = mailbox.link("grace@example.org", "/password/reset/")
    done = client.post(link, data={"password": "a fresh long passphrase", "confirm": "a fresh long passphrase"})
    assert done.status_code == 302
    assert client.post("/login", data={"email": "grace@example.org",
                                       "password": "a fresh long passphrase"}).status_code == 302


def test_signups_naming_one_address_are_limited(client, mailbox):
    """Nobody's mailbox is flooded through the form: 5 sign-ups per hour per e-mail address."""
    answers = [post_signup(client, "grace@example.org").status_code for _ in range(6)]
    assert answers == [302] * 5 + [429]
    assert len(mailbox.to("grace@example.org")) == 5


@pytest.mark.parametrize("language, subject", [("en", "Confirm your quizapp account"),
                                               ("zh-CN", "确认你的 quizapp 账户")])
def test_the_confirmation_mail_is_in_the_language_of_the_request(client, mailbox, language, subject):
    import flask_babel

    flask_babel.refresh()
    client.post("/signup", data={**FORM, "email": "grace@example.org"}, headers={"Accept-Language": language})
    message = mailbox.last_to("grace@example.org")
    assert message["Subject"] == subject
    assert "/signup/confirm/" in link_in(message, "/signup/confirm/")
