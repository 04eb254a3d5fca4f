"""Queries the study pages need; plain functions over a session, testable without a request."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from quizapp.access import pack_visible_to, viewer
from quizapp.models import Card, Pack, Question, ReviewLog
from quizapp.study import statements


@dataclass(frozen=True)
class PackSummary:
    pack: Pack
    questions: int
    cards: int


def list_packs(session: Session, user: object = None) -> list[PackSummary]:
    """The packs `user` may study (None: an anonymous visitor, public packs only)."""
    rows = session.execute(
        select(Pack, func.count(func.distinct(Question.id)), func.count(Card.id))
        .join(Question, (Question.pack_id == Pack.id) & Question.retired_at.is_(None), isouter=True)
        .join(Card, (Card.question_id == Question.id) & Card.retired_at.is_(None), isouter=True)
        .where(pack_visible_to(user))
        .group_by(Pack.id)
        .order_by(Pack.title)
    ).all()
    return [PackSummary(pack, questions, cards) for pack, questions, cards in rows]


def find_pack(session: Session, slug: str, user: object = None) -> Pack | None:
    kind, params = viewer(user)
    return session.scalar(statements.pack_by_slug(kind), {"slug": slug, **params})


def active_cards(pack: Pack):
    return (select(Card).join(Question)
            .where(Question.pack_id == pack.id, Question.retired_at.is_(None), Card.retired_at.is_(None)))


def random_card(session: Session, pack: Pack, rng: random.Random, only: frozenset[int] | None = None) -> Card | None:
    ids = sorted(only) if only is not None else \
        session.scalars(active_cards(pack).with_only_columns(Card.id).order_by(Card.id)).all()
    if not ids:
        return None
    return session.get(Card, rng.choice(ids))


def find_card(session: Session, pack: Pack, card_id: int) -> Card | None:
    return session.scalar(active_cards(pack).where(Card.id == card_id)
                          .options(contains_eager(Card.question).joinedload(Question.topic)))


def find_visible_pack_card(session: Session, slug: str, card_id: int, user: object = None) -> Card | None:
    """A card of the pack `slug`, retired or not (an answer may come for a version shown before a publish), if
    `user` may study that pack (`find_pack`'s rule), with its question and the pack loaded: one query."""
    kind, params = viewer(user)
    return session.scalar(statements.visible_pack_card(kind), {"slug": slug, "card_id": card_id, **params})


@dataclass(frozen=True)
class AnswerShown:
    log: ReviewLog
    newest_id: int  # the learner's newest answer: only that one's rating can change
    card: Card  # with its question, topic and pack loaded
    visible: bool  # whether the learner may still study the pack (the counts and next card are its then)


def answer_for_feedback(session: Session, user: Any, log_id: int) -> AnswerShown | None:
    """The learner's own answer `log_id` with what the feedback page shows of it, in one query; None when it is
    not theirs (or does not exist)."""
    kind, params = viewer(user)
    row = session.execute(statements.answer_for_feedback(kind),
                          {"log_id": log_id, "user_id": user.id, **params}).first()
    return AnswerShown(row[0], row[1], row[2], bool(row[3])) if row is not None else None
