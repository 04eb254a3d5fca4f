"""Accounts and API tokens as plain functions over a session (no request needed)."""
from __future__ import annotations

import hashlib
import unicodedata
import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quizapp.models import ApiToken, User, utcnow

TOKEN_PREFIX = "qz_"
# A real hash to compare against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-password")


class AccountError(ValueError):
    pass


# Only reached when two sign-ups for one new address race (the sign-up page itself answers the same whether or
# not an address has an account: quizapp/auth/verification.py).
TAKEN = _l("no account can be created with this email; if it is yours, log in (or reset your password)")


def normalize_email(email: str) -> str:
    """NFKC (a fullwidth or ligature look-alike becomes the plain letters), trimmed, lower case."""
    return unicodedata.normalize("NFKC", email).strip().lower()


# Characters that look like nothing or reorder text: format (zero-width, bidi overrides and isolates), control,
# private-use, unassigned, line and paragraph separators. An address containing one reads as another address.
INVISIBLE = frozenset({"Cf", "Cc", "Co", "Cn", "Zl", "Zp"})


def email_problem(email: str) -> str | None:
    """Why an address cannot name an account (None: it can)."""
    normalized = normalize_email(email)
    if any(unicodedata.category(char) in INVISIBLE or char.isspace() for char in normalized):
        return _("the email address contains an invisible, spacing or text-direction character; type it again")
    return None


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def create_user(session: Session, email: str, display_name: str, password: str, role: str = "learner",
                timezone: str = "UTC", verified: bool = True) -> User:
    """An account. `verified=False` (the public sign-up) makes one that cannot log in until its e-mail link is
    opened; the command line, scripts and tests make accounts whose address someone vouches for."""
    problem = email_problem(email)
    if problem:
        raise AccountError(problem)
    if find_user_by_email(session, email) is not None:
        raise AccountError(TAKEN)
    user = User(email=normalize_email(email), display_name=display_name.strip() or email.split("@")[0],
                password_hash=generate_password_hash(password), role=role, timezone=timezone,
                email_verified_at=utcnow() if verified else None)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:
        raise AccountError(TAKEN) from error
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token; returns the row and the secret, which is never stored and shown only once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip() or "API token", token_hash=_hash_token(secret),
                   prefix=secret[:10])
    session.add(row)
    session.flush()
    return row, secret


def user_for_token(session: Session, secret: str, now: datetime | None = None) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret)))
    if row is None:
        return None
    row.last_used_at = now or utcnow()
    return row.user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
