"""Instructors: pack ownership, published versions, upload drafts, classes and their members and packs."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from quizapp.models.accounts import User
    from quizapp.models.bank import Pack


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
