"""The question bank and the learners' study records, as typed SQLAlchemy 2 models.

Invariants live in the database: unique author-given ids per pack, one state per (learner, card),
foreign keys everywhere. Questions and cards are never deleted: retiring hides them from study and keeps
every learner's history.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from quizapp.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns timezone-aware UTC datetimes (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; quizapp stores aware UTC datetimes only")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


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

    @property
    def is_instructor(self) -> bool:
        return self.role in ("instructor", "admin")


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


class Pack(db.Model):
    __tablename__ = "packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topics: Mapped[list[Topic]] = relationship(back_populates="pack", order_by="Topic.position")
    questions: Mapped[list[Question]] = relationship(back_populates="pack")


class Topic(db.Model):
    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("pack_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    intro_html: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_path: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    pack: Mapped[Pack] = relationship(back_populates="topics")
    questions: Mapped[list[Question]] = relationship(back_populates="topic")


class Question(db.Model):
    """One authored question. `slug` is the author's stable id; `content_hash` records the version."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("pack_id", "slug"),
        CheckConstraint("difficulty IS NULL OR (difficulty BETWEEN 1 AND 5)", name="difficulty_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="RESTRICT"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    qtype: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500), default="")
    source_line: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    pack: Mapped[Pack] = relationship(back_populates="questions")
    topic: Mapped[Topic] = relationship(back_populates="questions")
    cards: Mapped[list[Card]] = relationship(back_populates="question", order_by="Card.position")


class Card(db.Model):
    """What a learner is scheduled on: one side of a reversible flashcard, one cloze deletion, or the question."""

    __tablename__ = "cards"
    __table_args__ = (UniqueConstraint("question_id", "card_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    card_key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    question: Mapped[Question] = relationship(back_populates="cards")


class CardState(db.Model):
    """A learner's FSRS state for one card."""

    __tablename__ = "card_states"
    __table_args__ = (
        UniqueConstraint("user_id", "card_id"),
        CheckConstraint("fsrs_state IN (1, 2, 3)", name="fsrs_state_known"),
        Index("ix_card_states_user_due", "user_id", "suspended", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="RESTRICT"), index=True)
    fsrs_state: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewLog(db.Model):
    """One answer. Changed only while it is the learner's newest: a rating change re-applies the scheduling
    from `state_before` (and updates `rating` and `state_after`); undo deletes the row and restores
    `state_before`. `variant_seed` is the seed the card was shown with (choice order, sim variant)."""

    __tablename__ = "review_logs"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range"),
        Index("ix_review_logs_user_time", "user_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="RESTRICT"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rating: Mapped[int] = mapped_column(Integer)
    # The rating computed from the answer (correctness and time); `rating` differs when the learner changed it.
    suggested_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answer: Mapped[Any] = mapped_column(JSON, nullable=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    response_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state_before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    state_after: Mapped[dict[str, Any]] = mapped_column(JSON)
    variant_seed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
