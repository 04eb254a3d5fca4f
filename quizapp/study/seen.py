"""The version of a question a learner was shown, so answers are graded against what they saw.

A page (or an API card) carries the question's content hash. When an instructor publishes a new version between
showing and answering, the answer is checked against the version shown, taken from the published snapshots
(`pack_version_questions`); the feedback page of an old answer shows that version too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import Card, Pack, PackVersionQuestion, Question, Topic


@dataclass(frozen=True)
class SeenQuestion:
    """A question as one published version had it; duck-types `Question` for the study pages and checkers."""

    id: int
    slug: str
    qtype: str
    title: str
    data: dict[str, Any]
    tags: list[str]
    content_hash: str
    card_keys: list[str]
    topic: Topic
    pack: Pack
    pack_id: int
    current: Question = field(repr=False)


def question_as_seen(session: Session, question: Question, content_hash: str | None) -> Question | SeenQuestion:
    """`question` itself when the hash is its current one (or unknown); else the snapshot with that hash."""
    if not content_hash or content_hash == question.content_hash:
        return question
    row = session.scalar(select(PackVersionQuestion)
                         .where(PackVersionQuestion.question_id == question.id,
                                PackVersionQuestion.content_hash == content_hash)
                         .order_by(PackVersionQuestion.id.desc()).limit(1))
    if row is None:
        return question
    return SeenQuestion(question.id, question.slug, row.qtype, row.title, row.data, list(row.tags or []),
                        row.content_hash, list(row.card_keys or []), question.topic, question.pack,
                        question.pack_id, question)


def card_shown(session: Session, card: Card, content_hash: str | None) -> bool:
    """Whether the card can be answered: it is live, or the version shown (a published snapshot) had it --
    a card retired by a newer version may still be answered as it was shown."""
    if card.retired_at is None and card.question.retired_at is None:
        return True
    if not content_hash:
        return False
    keys = session.scalars(select(PackVersionQuestion.card_keys)
                           .where(PackVersionQuestion.question_id == card.question_id,
                                  PackVersionQuestion.content_hash == content_hash)).all()
    return any(card.card_key in (row or []) for row in keys)
