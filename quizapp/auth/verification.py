"""Sign-up that does not tell who has an account: every valid sign-up form gets the same answer ("check your
e-mail"), and the e-mail says what happened.

- A new address: an unverified account is made and the mail carries a signed, expiring link
  (`verify_token`, itsdangerous, `VERIFY_MAX_AGE`) that confirms it. Until then the account cannot log in.
- An address with a confirmed account: nothing changes; the mail tells its owner that someone tried to sign up
  with it, and links the log-in and password-reset pages.
- An address with an unconfirmed account (an earlier sign-up nobody confirmed): the newest sign-up's password,
  name and time zone replace the old ones and a new link is sent; links of earlier sign-ups stop working (the
  token carries part of the password hash). So whoever typed someone else's address first cannot keep a
  password on that account: only a link from the owner's mailbox confirms it, and only for the latest password.

Plain functions over a session (no request): the views in `signup_routes.py` call them and send the mail.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from quizapp.auth.service import create_user, find_user_by_email
from quizapp.models import User, utcnow

VERIFY_MAX_AGE = 48 * 3600  # seconds a confirmation link stays valid
_SALT = "quizapp-verify-email"


@dataclass(frozen=True)
class SignupOutcome:
    """What a sign-up did: `user` is the account the mail goes to; `new_link` whether it needs a confirmation
    link (False: the address already had a confirmed account, the mail says so)."""

    user: User
    new_link: bool


def register(session: Session, email: str, display_name: str, password: str, timezone: str = "UTC") -> SignupOutcome:
    """Make (or renew) an unverified account for `email`, or leave a confirmed one alone. The caller answers
    the same in every case and sends the mail `outcome` asks for. Raises AccountError for an unusable address
    (the same for everyone: it does not depend on who has an account)."""
    user = find_user_by_email(session, email)
    if user is None:
        user = create_user(session, email, display_name, password, timezone=timezone, verified=False)
        return SignupOutcome(user, True)
    if user.email_verified_at is not None:
        generate_password_hash(password)  # the same work as the other paths: the answer's timing tells nothing
        return SignupOutcome(user, False)
    user.password_hash = generate_password_hash(password)
    user.display_name = display_name.strip() or user.email.split("@")[0]
    user.timezone = timezone
    session.flush()
    return SignupOutcome(user, True)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    # Part of the password hash: a later sign-up (a new password) makes earlier links stop working.
    return user.password_hash[-16:]


def verify_token(secret_key: str, user: User) -> str:
    return _serializer(secret_key).dumps({"user": user.id, "password": _fingerprint(user)})


def confirm(session: Session, secret_key: str, token: str) -> tuple[User | None, str]:
    """Mark the account of a confirmation link verified; returns it, or None and why not."""
    try:
        data = _serializer(secret_key).loads(token, max_age=VERIFY_MAX_AGE)
    except SignatureExpired:
        return None, _("This confirmation link has expired (links are valid for two days). Sign up again with "
                       "the same address to get a new one.")
    except BadSignature:
        return None, _("This confirmation link is not valid. Sign up again with the same address to get a new one.")
    user = session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or data.get("password") != _fingerprint(user):
        return None, _("This confirmation link was replaced by a newer one: use the link of the latest e-mail.")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        session.flush()
    return user, ""


def verify_mail(user: User, link: str) -> tuple[str, str]:
    """Subject and body of the confirmation e-mail (in the language of the request)."""
    return (_("Confirm your quizapp account"),
            _("Hello %(name)s,\n\nto finish creating your quizapp account, open this link within two days:\n\n"
              "%(link)s\n\nThen log in with the password you chose.\n\nIf you did not sign up, ignore this "
              "message: no account is made without this link.\n", name=user.display_name, link=link))


def taken_mail(user: User, login: str, reset: str) -> tuple[str, str]:
    """Subject and body of the e-mail to the owner of an address someone tried to sign up with."""
    return (_("Someone tried to sign up with your address"),
            _("Hello %(name)s,\n\nsomeone (maybe you) tried to create a quizapp account with this e-mail address. "
              "You already have one, so nothing was changed.\n\nLog in: %(login)s\nForgot your password? Choose a "
              "new one: %(reset)s\n\nIf it was not you, ignore this message.\n",
              name=user.display_name, login=login, reset=reset))
