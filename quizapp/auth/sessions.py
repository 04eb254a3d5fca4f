"""Server-side sign-in sessions. Flask-Login keeps `User.get_id()` in the cookie; here that is a random token
naming a `login_sessions` row, so the user loader (one query, as before) accepts a cookie only while its row
exists. Log out deletes the row; "log out everywhere", a password change or reset and account deletion delete
the others too."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from quizapp.auth.models import LoginSession
from quizapp.models import User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User) -> str:
    """A new session for `user`; sets `user.login_token` (what Flask-Login stores) and returns it."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, token_hash=_hash(token)))
    session.flush()
    user.login_token = token
    return token


# Built once (every request runs it): only the parameter changes (see quizapp/study/statements.py).
_USER_BY_TOKEN = (select(User).join(LoginSession, LoginSession.user_id == User.id)
                  .where(LoginSession.token_hash == bindparam("token_hash")))


def load(session: Session, token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    user = session.scalar(_USER_BY_TOKEN, {"token_hash": _hash(token)})
    if user is not None:
        user.login_token = token
    return user


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def end_all(session: Session, user: User, keep: str | None = None) -> int:
    """End every session of `user` (but `keep`, the current one, when given); returns how many ended."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.token_hash != _hash(keep))
    return session.execute(query).rowcount or 0


def count(session: Session, user: User) -> int:
    return len(session.scalars(select(LoginSession.id).where(LoginSession.user_id == user.id)).all())
