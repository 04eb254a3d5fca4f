"""The card browser's tables: a learner's manual marks on a card, and which pack contents the search index holds.

The full-text index itself is not a model: on SQLite it is an FTS5 virtual table, on PostgreSQL a table with a
`tsvector` column and a GIN index (migrations/versions/d4e7a1c9b2f0_card_browser.py, quizapp/browse/search.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import db
from quizapp.models import UTCDateTime


class CardMark(db.Model):
    """Marks a learner put on a card by hand, new or not: a flag, a suspension, a burial until a time.
    (The leech suspension stays in card_states.suspended; the queue skips a card suspended either way.)"""

    __tablename__ = "card_marks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="RESTRICT"), primary_key=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SearchStamp(db.Model):
    """The pack content (its `content_stamp`) the search index was last built from."""

    __tablename__ = "search_stamps"

    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), primary_key=True)
    content_stamp: Mapped[str] = mapped_column(String(32))
    questions: Mapped[int] = mapped_column(Integer, default=0)
