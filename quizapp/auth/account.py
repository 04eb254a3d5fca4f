"""Account features as plain functions: change and reset the password, delete the account."""
from __future__ import annotations

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quizapp.auth import sessions
from quizapp.models import User, utcnow

RESET_MAX_AGE = 3600  # seconds a reset link stays valid
_SALT = "quizapp-password-reset"


def change_password(session: Session, user: User, current: str, new: str) -> bool:
    """Set a new password when `current` is right; every other session of the user ends."""
    if not check_password_hash(user.password_hash, current):
        return False
    user.password_hash = generate_password_hash(new)
    sessions.end_all(session, user, keep=user.login_token)
    session.flush()
    return True


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    # Part of the password hash: the link stops working once the password changed (so it works once).
    return user.password_hash[-16:]


def reset_token(secret_key: str, user: User) -> str:
    return _serializer(secret_key).dumps({"user": user.id, "password": _fingerprint(user)})


def user_for_reset(session: Session, secret_key: str, token: str) -> tuple[User | None, str]:
    """The user a reset link is for, or None and why not."""
    try:
        data = _serializer(secret_key).loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        return None, _("This reset link has expired (links are valid for an hour). Ask for a new one.")
    except BadSignature:
        return None, _("This reset link is not valid. Ask for a new one.")
    user = session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or data.get("password") != _fingerprint(user):
        return None, _("This reset link was already used or the password changed since. Ask for a new one.")
    return user, ""


def reset_password(session: Session, user: User, new: str) -> None:
    """Set the password from a reset link; every session of the user ends (someone else may hold one). The link
    came to the account's mailbox, so an unconfirmed address is confirmed by it."""
    user.password_hash = generate_password_hash(new)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    sessions.end_all(session, user)
    session.flush()


def delete_account(session: Session, user: User, password: str) -> bool:
    """Delete the user and everything that is theirs (the database cascades: answers, card states, marks, tokens,
    sessions, class memberships, owned classes; packs they owned stay, owned by the site)."""
    if not check_password_hash(user.password_hash, password):
        return False
    user_id = user.id
    session.expunge(user)
    session.execute(delete(User).where(User.id == user_id))
    session.flush()
    return True
