"""Focus sessions ("study this topic / concept / type"): the study queue restricted to some of a pack's cards,
like Anki's filtered decks. Answers in a focus session are ordinary answers of those cards; no other card's
schedule changes, and the daily limits do not stop a session the learner asked for (docs/study.md)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quizapp.access import pack_visible_to
from quizapp.concepts import CONCEPTS
from quizapp.models import Card, Pack, Question, Topic
from quizapp.study.localized import topic_titles

KINDS = ("topic", "concept", "type")


@dataclass(frozen=True)
class Focus:
    kind: str  # topic | concept | type
    value: str  # the topic slug, concept tag or question type

    @property
    def param(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_focus(raw: str | None) -> Focus | None:
    """`topic:<slug>`, `concept:<tag>` or `type:<qtype>`; anything else is no focus (None)."""
    kind, _, value = (raw or "").partition(":")
    if kind not in KINDS or not value or len(value) > 100:
        return None
    return Focus(kind, value)


def _matching(session: Session, pack: Pack, focus: Focus):
    query = (select(Card.id, Question.tags).join(Question, Question.id == Card.question_id)
             .where(Question.pack_id == pack.id, Question.retired_at.is_(None), Card.retired_at.is_(None)))
    if focus.kind == "topic":
        query = query.join(Topic, Topic.id == Question.topic_id).where(Topic.slug == focus.value)
    elif focus.kind == "type":
        query = query.where(Question.qtype == focus.value)
    return session.execute(query).all()


def focus_cards(session: Session, pack: Pack, focus: Focus) -> frozenset[int]:
    """The active cards of `pack` in `focus` (a concept: the cards whose question carries its tag)."""
    rows = _matching(session, pack, focus)
    if focus.kind == "concept":
        return frozenset(card_id for card_id, tags in rows if focus.value in (tags or []))
    return frozenset(card_id for card_id, _tags in rows)


@dataclass(frozen=True)
class FocusSubject:
    """What a focus session is on, as data; the view words it in the learner's language. `name`: the topic's
    title (in the language asked for, where translated), the concept's label (a lazy string) or the question
    type (`flashcard`, `truefalse`...)."""

    kind: str  # topic | concept | type
    name: Any


def focus_subject(session: Session, pack: Pack, focus: Focus, language: str | None = None) -> FocusSubject:
    """The subject of `focus` in `pack`, its topic titled in `language` where translated (None: the pack's)."""
    if focus.kind == "topic":
        topic = session.execute(select(Topic.id, Topic.title)
                                .where(Topic.pack_id == pack.id, Topic.slug == focus.value)).first()
        title = topic.title if topic else focus.value
        if topic and language and language != pack.language:
            title = topic_titles(session, [topic.id], language).get(topic.id, title)
        return FocusSubject("topic", title)
    if focus.kind == "concept":
        concept = CONCEPTS.get(focus.value)
        return FocusSubject("concept", concept.label if concept else focus.value)
    return FocusSubject("type", focus.value)


def pack_for_concept(session: Session, user: object, tag: str) -> Pack | None:
    """The pack (visible to `user`) with the most active cards of concept `tag`."""
    counts: Counter[int] = Counter()
    for pack_id, tags in session.execute(
            select(Question.pack_id, Question.tags).join(Card, Card.question_id == Question.id)
            .join(Pack, Pack.id == Question.pack_id)
            .where(Question.retired_at.is_(None), Card.retired_at.is_(None), pack_visible_to(user))):
        if tag in (tags or []):
            counts[pack_id] += 1
    if not counts:
        return None
    return session.get(Pack, counts.most_common(1)[0][0])


@dataclass(frozen=True)
class TopicRow:
    slug: str
    title: str
    questions: int
    cards: int


def pack_outline(session: Session, pack: Pack,
                 language: str | None = None) -> tuple[list[TopicRow], list[tuple[str, int]]]:
    """The pack's topics in learning order with their sizes (titled in `language` where translated), and the
    question types with their card counts."""
    live = (Question.topic_id == Topic.id) & Question.retired_at.is_(None)
    rows = session.execute(
        select(Topic.id, Topic.slug, Topic.title, func.count(func.distinct(Question.id)), func.count(Card.id))
        .join(Question, live).join(Card, (Card.question_id == Question.id) & Card.retired_at.is_(None))
        .where(Topic.pack_id == pack.id, Topic.retired_at.is_(None))
        .group_by(Topic.id, Topic.slug, Topic.title, Topic.position).order_by(Topic.position)).all()
    translated = (topic_titles(session, [row[0] for row in rows], language)
                  if language and language != pack.language else {})
    topics = [TopicRow(slug, translated.get(topic_id, title), questions, cards)
              for topic_id, slug, title, questions, cards in rows]
    types = [(qtype, count) for qtype, count in session.execute(
        select(Question.qtype, func.count(Card.id)).join(Card, Card.question_id == Question.id)
        .where(Question.pack_id == pack.id, Question.retired_at.is_(None), Card.retired_at.is_(None))
        .group_by(Question.qtype).order_by(Question.qtype))]
    return topics, types
