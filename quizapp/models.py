"""The question bank and the learners' study records, as typed SQLAlchemy 2 models.

Invariants live in the database: unique author-given ids per pack, one state per (learner, card),
foreign keys everywhere. Questions and cards are never deleted: retiring hides them from study and keeps
every learner's history.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from itertools import chain
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from quizapp.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_content_stamp() -> str:
    return uuid.uuid4().hex


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


VISIBILITIES = ("private", "classes", "public")


class Pack(db.Model):
    """A question pack. Packs built from `content/` have no owner (the site's); instructors' packs have one or
    more owners (`pack_owners`). `visibility`: private (owners only), classes (the classes it is assigned to),
    public. `current_version` is the number of the newest `PackVersion` (0: never published as a version).
    `content_stamp` changes (a new random value) in every flush that adds, changes or deletes one of the pack's
    topics, questions or cards (`_stamp_changed_packs` below): the study queue's per-process cache of a pack's
    cards is keyed by it, so a cached list is never used after the pack's content changed, on any server."""

    __tablename__ = "packs"
    __table_args__ = (
        CheckConstraint("visibility IN ('private', 'classes', 'public')", name="visibility_known"),
        CheckConstraint("current_version >= 0", name="current_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    visibility: Mapped[str] = mapped_column(String(16), default="public", server_default="public")
    current_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_stamp: Mapped[str] = mapped_column(String(32), default=new_content_stamp, server_default="")

    topics: Mapped[list[Topic]] = relationship(back_populates="pack", order_by="Topic.position")
    questions: Mapped[list[Question]] = relationship(back_populates="pack")
    owners: Mapped[list[User]] = relationship(secondary="pack_owners", order_by="User.id", viewonly=True)

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"


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
    __table_args__ = (
        UniqueConstraint("question_id", "card_key"),
        # The card browser: from a search hit (a question) to its live cards, from the index alone.
        Index("ix_cards_browse", "question_id", "retired_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    card_key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    question: Mapped[Question] = relationship(back_populates="cards")


class QuestionTranslation(db.Model):
    """A question's words in another language; the key stays the source question's (see content/translation.py).

    Cards, states and logs belong to the question, never to a language: switching language keeps every history."""

    __tablename__ = "question_translations"
    __table_args__ = (UniqueConstraint("question_id", "language", name="uq_question_translation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    overlay: Mapped[dict[str, Any]] = mapped_column(JSON)
    translated_from: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500), default="")
    source_line: Mapped[int] = mapped_column(Integer, default=0)


class TopicTranslation(db.Model):
    __tablename__ = "topic_translations"
    __table_args__ = (UniqueConstraint("topic_id", "language", name="uq_topic_translation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    intro_html: Mapped[str] = mapped_column(Text, default="")


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


# --- instructors: pack ownership, versions, drafts, classes ---------------------------------------------------

class PackOwner(db.Model):
    """One owner (an instructor) of a pack; a pack without owners belongs to the site."""

    __tablename__ = "pack_owners"

    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


VERSION_SOURCES = ("upload", "cli", "rollback", "build")


class PackVersion(db.Model):
    """One published version of a pack: what changed, and (in `PackVersionQuestion`) every question as it was.
    Append-only: a rollback publishes an earlier snapshot as a new version."""

    __tablename__ = "pack_versions"
    __table_args__ = (
        UniqueConstraint("pack_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("source IN ('upload', 'cli', 'rollback', 'build')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    rolled_back_to: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the version republished
    added: Mapped[list[str]] = mapped_column(JSON, default=list)
    edited: Mapped[list[str]] = mapped_column(JSON, default=list)
    retired: Mapped[list[str]] = mapped_column(JSON, default=list)
    restored: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the topics as they were
    files_sha256: Mapped[str] = mapped_column(String(64), default="")

    pack: Mapped[Pack] = relationship()
    created_by: Mapped[User | None] = relationship()


class PackVersionQuestion(db.Model):
    """A question as it was in one version: what learners were shown and graded on."""

    __tablename__ = "pack_version_questions"
    __table_args__ = (
        UniqueConstraint("version_id", "question_id"),
        Index("ix_pack_version_questions_question_hash", "question_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("pack_versions.id", ondelete="RESTRICT"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    slug: Mapped[str] = mapped_column(String(100))
    topic_slug: Mapped[str] = mapped_column(String(100))
    qtype: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    card_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500), default="")
    source_line: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


DRAFT_STATUSES = ("invalid", "valid", "published")


class PackDraft(db.Model):
    """An upload kept server-side between validation, preview and publishing: the files themselves (as a zip
    of the accepted members) and the compile report, so preview and publish work on the same bytes."""

    __tablename__ = "pack_drafts"
    __table_args__ = (
        CheckConstraint("status IN ('invalid', 'valid', 'published')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pack_slug: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    files: Mapped[bytes] = mapped_column(LargeBinary)
    files_sha256: Mapped[str] = mapped_column(String(64))
    file_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    bank: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # the compiled pack, for preview
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    owner: Mapped[User] = relationship()


class Classroom(db.Model):
    """A class run by one instructor: learners join with its code; packs are assigned to it."""

    __tablename__ = "classes"
    __table_args__ = (CheckConstraint("length(join_code) >= 6", name="join_code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Whether progress learners imported from files (unverified: answered elsewhere) counts in the class's
    # progress page and gradebook. Off by default: an import cannot raise a grade.
    count_imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    owner: Mapped[User] = relationship()
    packs: Mapped[list[Pack]] = relationship(secondary="class_packs", order_by="Pack.title", viewonly=True)


class ClassMember(db.Model):
    __tablename__ = "class_members"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClassPack(db.Model):
    """A pack assigned to a class (shared with it)."""

    __tablename__ = "class_packs"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), primary_key=True, index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _pack_of(session: Session, obj: object) -> Pack | None:
    """The pack a topic, question, card or question translation belongs to (None for anything else, or a pack
    not stored yet)."""
    if isinstance(obj, QuestionTranslation):
        question = obj.__dict__.get("question") or (
            session.get(Question, obj.question_id) if obj.question_id is not None else None)
        return _pack_of(session, question) if question is not None else None
    if isinstance(obj, Card):
        question = obj.__dict__.get("question")
        if question is None and obj.question_id is not None:
            question = session.get(Question, obj.question_id)
        return _pack_of(session, question) if question is not None else None
    if isinstance(obj, (Topic, Question)):
        pack = obj.__dict__.get("pack")
        if pack is None and obj.pack_id is not None:
            pack = session.get(Pack, obj.pack_id)
        return pack
    return None


@event.listens_for(Session, "before_flush")
def _stamp_changed_packs(session: Session, _context: Any, _instances: Any) -> None:
    """A new `Pack.content_stamp` for every stored pack whose topics, questions or cards this flush adds,
    changes or deletes, and for a question translation's (ORM changes: the app writes content only through the ORM, `quizapp.content.store`).
    A random value rather than a counter: a stamp from a transaction that rolled back is never reused."""
    stamped: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if not isinstance(obj, (Topic, Question, Card, QuestionTranslation)):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        pack = _pack_of(session, obj)
        if pack is None or pack.id is None or pack.id in stamped or pack in session.deleted:
            continue
        stamped.add(pack.id)
        pack.content_stamp = new_content_stamp()


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


# Registered with the metadata (Alembic, the ORM) wherever the models are.
import quizapp.answer_totals  # noqa: E402,F401  (AnswerTotal, WrongAnswerTotal)
