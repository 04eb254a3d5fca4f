"""Running totals of the answers, per learner and card, kept by the database itself (triggers on review_logs,
migration d7a1c0e5b9f2): the class page and the gradebook read these instead of re-counting every answer, so a
view's cost follows the class's size (learners x cards), not the length of its history.

Triggers rather than application code: every way an answer is written or removed (studying, the API, an import,
undo, a deleted account) keeps the totals right, in the same transaction. Note for migrations: SQLite's
`batch_alter_table` re-creates a table, which drops its triggers; a migration that rebuilds `review_logs` must
create them again (`tests/classes/test_answer_totals.py` fails if they are missing).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import db
from quizapp.models import UTCDateTime


class AnswerTotal(db.Model):
    """One learner's answers to one card: how many, how many right, the newest."""

    __tablename__ = "answer_totals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    answers: Mapped[int] = mapped_column(Integer)
    right_answers: Mapped[int] = mapped_column(Integer)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WrongAnswerTotal(db.Model):
    """How often one learner gave one wrong answer (the stored JSON text) to one card. `answer_key` identifies
    the text: its md5 on PostgreSQL (index entries have a size limit there), the text itself on SQLite."""

    __tablename__ = "wrong_answer_totals"
    __table_args__ = (Index("uq_wrong_answer_totals_key", "user_id", "card_id", "answer_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    answer_key: Mapped[str] = mapped_column(Text)
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    answers: Mapped[int] = mapped_column(Integer)
