"""The learners' study records: FSRS states, answers (review logs), pending progress imports, lab edits."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, utcnow


class CardState(db.Model):
    """A learner's FSRS state for one card."""

    __tablename__ = "card_states"
    __table_args__ = (
        UniqueConstraint("user_id", "card_id"),
        CheckConstraint("fsrs_state IN (1, 2, 3)", name="fsrs_state_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        # Covers the study queue's query (quizapp/study/reviews.py: one learner's states of a pack's cards,
        # reading only these columns): an index-only scan, whatever the table's size.
        Index("ix_card_states_user_due", "user_id", "card_id", "due", "fsrs_state", "suspended"),
        # The card browser's state and lapse filters: one learner's matching card ids from the index alone.
        Index("ix_card_states_browse", "user_id", "fsrs_state", "lapses", "card_id"),
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
    # Optimistic locking: every UPDATE checks and bumps `version`, so two tabs (or servers) answering the same
    # card cannot both apply their answer to the same state; the study form also carries the version it showed.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # True once answers imported from a file (not given here) shaped this state: class reports and gradebooks
    # leave such states out unless the class's instructor counts imported progress (`Classroom.count_imported`).
    from_import: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __mapper_args__ = {"version_id_col": version}


class ReviewLog(db.Model):
    """One answer. Changed only while it is the learner's newest: a rating change re-applies the scheduling
    from `state_before` (and updates `rating` and `state_after`); undo deletes the row and restores
    `state_before`. `variant_seed` is the seed the card was shown with (choice order, sim variant)."""

    __tablename__ = "review_logs"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range"),
        # Today's answers (user_id, reviewed_at >= ...) and the newest answer (ORDER BY reviewed_at DESC, id DESC
        # LIMIT 1: with `id` in the index, one step of a backward scan instead of sorting every answer).
        Index("ix_review_logs_user_time", "user_id", "reviewed_at", "id"),
        # One answer per submission: a double click or a retry carries the same key and is recorded once.
        UniqueConstraint("user_id", "idempotency_key"),
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
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # An answer restored from a progress export rather than given on this server (`quizapp.export.service`).
    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PendingImport(db.Model):
    """A progress export uploaded and checked but not applied yet: the learner sees what would change (the
    preview is recomputed from these bytes) and confirms. One per learner: a new upload replaces it."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LabEdit(db.Model):
    """A learner's own copy of a lab scenario (the shared scenario never changes), or their answer to a `lab`
    question in progress. `scenario_key` is the lab's scenario id (`q12`, `ex-k8s-basic`)."""

    __tablename__ = "lab_edits"
    __table_args__ = (
        UniqueConstraint("user_id", "scenario_key"),
        CheckConstraint("length(text) <= 262144", name="text_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scenario_key: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
