"""Accounts: users (with their study settings), API tokens, the rate limiter's shared counters."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, utcnow


ROLES = ("learner", "instructor", "admin")


class User(UserMixin, db.Model):
    """A learner (or instructor). The study settings live on the account: one row, no join on the hot path."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('learner', 'instructor', 'admin')", name="role_known"),
        CheckConstraint("desired_retention > 0.5 AND desired_retention < 1", name="retention_range"),
        CheckConstraint("new_per_day >= 0", name="new_per_day_positive"),
        CheckConstraint("reviews_per_day >= 0", name="reviews_per_day_positive"),
        CheckConstraint("rollover_hour BETWEEN 0 AND 23", name="rollover_hour_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9, server_default="0.9")
    new_per_day: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200, server_default="200")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    rollover_hour: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # The interface and content language the learner chose; None: the browser's Accept-Language decides.
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # When the owner opened the e-mail confirmation link; None: signed up, not confirmed, cannot log in yet.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # The sign-in session's token (quizapp/auth/sessions.py), set on login and by the user loader; not a column.
    login_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the session's token, never the bare user id."""
        return self.login_token or ""

    @property
    def is_instructor(self) -> bool:
        return self.role in ("instructor", "admin")


class RateLimitCounter(db.Model):
    """A rate limiter's fixed-window counter shared by every worker and server (quizapp/limiter_store.py); the
    key is the SHA-256 of the limiter's key, `expires_at` seconds since the epoch."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)


class ApiToken(db.Model):
    """A personal access token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()
