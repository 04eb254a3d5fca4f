"""The question bank: packs, topics, questions, cards and their translations.

Questions and cards are never deleted: retiring hides them from study and keeps every learner's history.
`_stamp_changed_packs` gives a pack a new `content_stamp` whenever its content changes.
"""
from __future__ import annotations

from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, new_content_stamp, utcnow

if TYPE_CHECKING:
    from quizapp.models.accounts import User


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


class PackTranslation(db.Model):
    """A pack's title in another language (a translation file's `pack_title:`, content/pack_titles.py).
    `translated_from` is the source title's hash prefix it was written against."""

    __tablename__ = "pack_translations"
    __table_args__ = (
        UniqueConstraint("pack_id", "language", name="uq_pack_translation"),
        CheckConstraint("length(title) > 0", name="pack_translation_title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    translated_from: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500), default="")
    source_line: Mapped[int] = mapped_column(Integer, default=0)


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
