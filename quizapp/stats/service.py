"""Learner statistics as plain data: reviews per day, retention per topic, due forecast, retrievability,
mastery per concept. Every query is scoped to one learner."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.access import pack_visible_to
from quizapp.concepts import CONCEPTS, GROUPS, Concept
from quizapp.models import Card, CardState, Pack, Question, ReviewLog, Topic, User, utcnow
from quizapp.study.localized import pack_titles, topic_titles
from quizapp.study import scheduler as sched


@dataclass(frozen=True)
class DayCount:
    day: date
    right: int
    wrong: int

    @property
    def total(self) -> int:
        return self.right + self.wrong


@dataclass(frozen=True)
class TopicRetention:
    pack: str
    topic: str
    right: int
    total: int

    @property
    def retention(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass(frozen=True)
class ConceptMastery:
    concept: Concept
    cards: int
    seen: int
    mastery: float  # mean retrievability now over all the concept's cards (unseen count 0)


def _study_day(user: User, moment: datetime) -> date:
    return sched.study_date(moment, user.timezone, user.rollover_hour)


def reviews_per_day(session: Session, user: User, days: int = 30, now: datetime | None = None) -> list[DayCount]:
    now = now or utcnow()
    today = _study_day(user, now)
    first = today - timedelta(days=days - 1)
    since = sched.day_start(first, user.timezone, user.rollover_hour)
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for reviewed_at, correct in session.execute(
            select(ReviewLog.reviewed_at, ReviewLog.correct)
            .where(ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= since)):
        counts[_study_day(user, reviewed_at)][0 if correct else 1] += 1
    return [DayCount(first + timedelta(days=i), *counts.get(first + timedelta(days=i), [0, 0])) for i in range(days)]


def retention_by_topic(session: Session, user: User, language: str | None = None) -> list[TopicRetention]:
    """Right and total answers per topic; pack and topic titles in `language` where translated (None: the pack's)."""
    rows = session.execute(
        select(Pack.slug, Pack.title, Topic.id, Topic.title, Topic.position, ReviewLog.correct)
        .join(Card, Card.id == ReviewLog.card_id).join(Question, Question.id == Card.question_id)
        .join(Topic, Topic.id == Question.topic_id).join(Pack, Pack.id == Question.pack_id)
        .where(ReviewLog.user_id == user.id)).all()
    translated = topic_titles(session, sorted({row[2] for row in rows}), language) if language else {}
    packs = pack_titles(session, language)
    totals: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    for slug, pack, topic_id, topic, position, correct in rows:
        entry = totals[(packs.get(slug, pack), position, translated.get(topic_id, topic))]
        entry[0] += bool(correct)
        entry[1] += 1
    return [TopicRetention(pack, topic, right, total) for (pack, _pos, topic), (right, total) in sorted(totals.items())]


def _states(session: Session, user: User) -> list[tuple[CardState, Question]]:
    return list(session.execute(
        select(CardState, Question).join(Card, Card.id == CardState.card_id)
        .join(Question, Question.id == Card.question_id)
        .where(CardState.user_id == user.id, Card.retired_at.is_(None), Question.retired_at.is_(None))).all())


def due_forecast(session: Session, user: User, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
    """Cards coming due on each of the next `days` study days (overdue ones count today)."""
    now = now or utcnow()
    today = _study_day(user, now)
    counts: Counter[date] = Counter()
    for state, _question in _states(session, user):
        if state.suspended:
            continue
        counts[max(today, _study_day(user, state.due))] += 1
    return [(today + timedelta(days=i), counts.get(today + timedelta(days=i), 0)) for i in range(days)]


def retrievability_distribution(session: Session, user: User, bins: int = 10,
                                now: datetime | None = None) -> list[int]:
    """How many reviewed cards fall in each retrievability bin [0, 0.1), ..., [0.9, 1.0]."""
    now = now or utcnow()
    scheduler = sched.make_scheduler(user.desired_retention, fuzz=False)
    histogram = [0] * bins
    for state, _question in _states(session, user):
        if state.last_review is None:
            continue
        value = sched.retrievability(scheduler, sched.state_from_columns(state), state.card_id, now)
        histogram[min(bins - 1, int(value * bins))] += 1
    return histogram


def concept_mastery(session: Session, user: User, now: datetime | None = None) -> dict[str, list[ConceptMastery]]:
    """Per concept group, each concept's mastery: the mean retrievability of all its cards (unseen = 0)."""
    now = now or utcnow()
    scheduler = sched.make_scheduler(user.desired_retention, fuzz=False)
    cards_per_concept: Counter[str] = Counter()
    for tags, in session.execute(
            select(Question.tags).join(Card, Card.question_id == Question.id).join(Pack, Pack.id == Question.pack_id)
            .where(Question.retired_at.is_(None), Card.retired_at.is_(None), pack_visible_to(user))):
        for tag in set(tags or []):
            if tag in CONCEPTS:
                cards_per_concept[tag] += 1
    seen: Counter[str] = Counter()
    recall: defaultdict[str, float] = defaultdict(float)
    for state, question in _states(session, user):
        value = sched.retrievability(scheduler, sched.state_from_columns(state), state.card_id, now)
        for tag in set(question.tags or []):
            if tag in CONCEPTS:
                seen[tag] += 1
                recall[tag] += value
    grouped: dict[str, list[ConceptMastery]] = {group: [] for group in GROUPS}
    for slug, concept in CONCEPTS.items():
        total = cards_per_concept.get(slug, 0)
        grouped[concept.group].append(ConceptMastery(concept, total, seen.get(slug, 0),
                                                     recall[slug] / total if total else 0.0))
    return grouped


@dataclass(frozen=True)
class Summary:
    reviews: int
    reviews_today: int
    correct: int
    cards_seen: int
    suspended: int
    due_today: int

    @property
    def retention(self) -> float:
        return self.correct / self.reviews if self.reviews else 0.0


def summary(session: Session, user: User, now: datetime | None = None) -> Summary:
    now = now or utcnow()
    start, end = sched.day_bounds(now, user.timezone, user.rollover_hour)
    logs = session.execute(select(ReviewLog.reviewed_at, ReviewLog.correct)
                           .where(ReviewLog.user_id == user.id)).all()
    states = _states(session, user)
    return Summary(
        reviews=len(logs), reviews_today=sum(1 for at, _ in logs if at >= start),
        correct=sum(1 for _, correct in logs if correct), cards_seen=len(states),
        suspended=sum(1 for s, _ in states if s.suspended),
        due_today=sum(1 for s, _ in states if not s.suspended and s.due < end))
