"""A class's progress, aggregated in SQL: a fixed handful of queries whatever the class size (no N+1), none of
which reads the answer history itself: answer counts come from the running totals kept by the database
(`quizapp.answer_totals`), mastery is FSRS retrievability computed in SQL, and the learners can be paged.

Per learner and topic (topics of the packs assigned to the class):
- reviews: answers given on the topic's cards;
- retention: right answers / answers (as on the learner's stats page);
- mastery: the mean FSRS retrievability now of ALL the topic's live cards, cards never studied counting 0 -- the
  definition of the learner's "mastery per concept" (`quizapp.stats.service.concept_mastery`), per topic;
- due: the topic's cards due now (not suspended);
- last active: the learner's newest answer in the class's packs.
Per question: `quizapp.classes.question_stats`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Float, Integer, case, cast, func, literal, select, true
from sqlalchemy.orm import Session

from quizapp.answer_totals import AnswerTotal
from quizapp.classes.question_stats import MOST_MISSED, QuestionRow, question_rows
from quizapp.classes.summary_cache import Summary, SummaryCache
from quizapp.models import (Card, CardState, Classroom, ClassMember, ClassPack, Pack, Question, ReviewLog, Topic,
                            User, UTCDateTime, utcnow)
from quizapp.security import csv_safe_rows
from quizapp.study import scheduler as sched


SORTS = ("name", "mastery", "due")  # the class page's learner orders (mastery: lowest first; due: most first)


@dataclass(frozen=True)
class TopicColumn:
    id: int
    slug: str
    title: str
    pack_slug: str
    pack_title: str
    cards: int

    @property
    def key(self) -> str:
        return f"{self.pack_slug}/{self.slug}"


@dataclass
class Cell:
    reviews: int = 0
    right: int = 0
    due: int = 0
    seen: int = 0
    recall: float = 0.0  # sum of retrievability over the learner's cards of the topic
    cards: int = 0
    last_active: datetime | None = None

    @property
    def retention(self) -> float | None:
        return self.right / self.reviews if self.reviews else None

    @property
    def mastery(self) -> float:
        return self.recall / self.cards if self.cards else 0.0


@dataclass
class LearnerRow:
    user_id: int
    name: str
    email: str
    joined_at: datetime
    cells: dict[int, Cell] = field(default_factory=dict)  # topic id -> cell
    language: str | None = None  # the language the learner studies in (None: their browser's)

    def _sum(self, attr: str) -> int:
        return sum(getattr(cell, attr) for cell in self.cells.values())

    @property
    def reviews(self) -> int:
        return self._sum("reviews")

    @property
    def right(self) -> int:
        return self._sum("right")

    @property
    def due(self) -> int:
        return self._sum("due")

    @property
    def retention(self) -> float | None:
        return self.right / self.reviews if self.reviews else None

    @property
    def mastery(self) -> float:
        cards = self._sum("cards")
        return sum(cell.recall for cell in self.cells.values()) / cards if cards else 0.0

    @property
    def last_active(self) -> datetime | None:
        moments = [cell.last_active for cell in self.cells.values() if cell.last_active]
        return max(moments, default=None)


@dataclass
class ClassProgress:
    topics: list[TopicColumn]
    learners: list[LearnerRow]  # the requested page of learners (all of them unless paged)
    questions: list[QuestionRow]  # every question answered, most missed first
    learner_count: int = 0  # in the whole class
    class_recall: dict[int, float] = field(default_factory=dict)  # topic id -> sum of retrievability, all learners
    matching: int = 0  # the learners `search` keeps (all of them without one), over every page
    summary_at: datetime | None = None  # when the class-wide figures were computed, if kept (`summary_cache`)

    @property
    def missed(self) -> list[QuestionRow]:
        """The questions at least one learner got wrong, most missed first."""
        return [q for q in self.questions if q.wrong]

    @property
    def most_missed(self) -> list[QuestionRow]:
        """The missed questions the class page lists (their common wrong answers are read)."""
        return self.missed[:MOST_MISSED]

    def topic_mastery(self, topic_id: int) -> float:
        """The class's mean mastery of a topic (every learner counts, those who never studied it as 0)."""
        cards = next((t.cards for t in self.topics if t.id == topic_id), 0)
        if not self.learner_count or not cards:
            return 0.0
        return self.class_recall.get(topic_id, 0.0) / cards / self.learner_count


def retrievability_sql(session: Session, now: datetime) -> Any:
    """FSRS retrievability of a card state now, as SQL: (1 + FACTOR * days / stability) ** DECAY with the
    scheduler's own constants and its whole elapsed days (`fsrs.Scheduler.get_card_retrievability`); 0 for a
    card never reviewed. SQLite's date functions count in milliseconds: a review less than 1 ms short of a whole
    number of days ago counts that day there (PostgreSQL computes in microseconds, as Python does)."""
    decay = -sched.make_scheduler(fuzz=False).parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    moment = literal(now, UTCDateTime)
    if session.get_bind().dialect.name == "postgresql":
        # date_part() gives double precision (extract() gives numeric, 2x slower over a class's states), exact
        # here: the microseconds of a few years are far within its 53 bits
        seconds = cast(func.date_part("epoch", moment - CardState.last_review), Float)
        days = cast(func.floor(seconds / literal(86400.0, Float)), Integer)
    else:
        millis = cast(func.round((func.julianday(moment) - func.julianday(CardState.last_review)) * 86_400_000),
                      Integer)
        days = millis // 86_400_000
    # Everything in double precision: an Integer divided by anything is NUMERIC to SQLAlchemy (it casts for true
    # division), and numeric arithmetic per card state was most of the class page's time on PostgreSQL.
    elapsed = cast(case((days > 0, days), else_=0), Float)
    ratio = literal(factor, Float) * elapsed / func.nullif(CardState.stability, literal(0.0, Float), type_=Float)
    curve = func.power(literal(1.0, Float) + ratio, literal(decay, Float))
    # A stability that is not a positive finite number (rows from before imports were checked: 0, NaN, inf)
    # counts as forgotten, never as a division by zero or a NaN score (NaN > 0 is true on PostgreSQL).
    usable = CardState.stability.is_not(None) & (CardState.stability > 0) & (CardState.stability < 1e12)
    return case((CardState.last_review.is_not(None) & usable, curve), else_=0.0)


def class_progress(session: Session, class_id: int, now: datetime | None = None, offset: int = 0,
                   limit: int | None = None, questions: bool = True,
                   count_imported: bool | None = None, wrong_answers_for: int | None = None,
                   answers: bool = True, summaries: SummaryCache | None = None, search: str | None = None,
                   sort: str = "name") -> ClassProgress:
    """The class's progress; `offset`/`limit` page the learners (ordered by name): a page's cost follows the
    page, not the class's history (the answer counts come from `answer_totals`). `questions=False` skips the
    per-question view (the gradebook does not show it); the common wrong answers are read for the
    `wrong_answers_for` (default `MOST_MISSED`) most missed questions, those the page lists. `answers=False`
    skips the answer counts (reviews, retention, last active: the gradebook shows mastery only). `summaries`: when
    `search` keeps the learners whose name or e-mail address contains it, `sort` orders them (`SORTS`: by
    name; lowest mastery first; most cards due first; then by name), both before paging; the class-wide figures
    are over every learner whatever the search. When
    the learners are paged, the class-wide figures (footer, per-question view) come from this cache, at most a
    minute old (`summary_at` says when they were computed). `count_imported`
    (default: the class's setting):
    whether progress imported from files counts -- the card states it shaped (mastery, due) and its answers
    (added from review_logs; `answer_totals` holds answers given here only). The per-question view always shows
    answers given here only."""
    now = now or utcnow()
    if count_imported is None:
        count_imported = bool(session.scalar(select(Classroom.count_imported).where(Classroom.id == class_id)))
    state_here = true() if count_imported else CardState.from_import.is_(False)
    packs = select(ClassPack.pack_id).where(ClassPack.class_id == class_id).scalar_subquery()
    members = select(ClassMember.user_id).where(ClassMember.class_id == class_id).scalar_subquery()
    live_card = (Card.retired_at.is_(None)) & (Question.retired_at.is_(None))

    # 1. topics of the assigned packs, with their live card counts
    topic_rows = session.execute(
        select(Topic.id, Topic.slug, Topic.title, Pack.slug, Pack.title,
               func.count(Card.id).filter(live_card))
        .join(Pack, Pack.id == Topic.pack_id)
        .join(Question, Question.topic_id == Topic.id, isouter=True)
        .join(Card, Card.question_id == Question.id, isouter=True)
        .where(Topic.pack_id.in_(packs), Topic.retired_at.is_(None))
        .group_by(Topic.id, Topic.slug, Topic.title, Pack.slug, Pack.title, Topic.position)
        .order_by(Pack.title, Topic.position, Topic.id)).all()
    topics = [TopicColumn(*row) for row in topic_rows]
    topic_ids = {t.id for t in topics}

    # 2. the learners (one page of them, those matching `search`, in the `sort` order)
    recall = retrievability_sql(session, now)
    query = (select(User.id, User.display_name, User.email, ClassMember.joined_at, User.language)
             .join(ClassMember, ClassMember.user_id == User.id).where(ClassMember.class_id == class_id))
    search = (search or "").strip().lower()
    if search:  # in the name or the e-mail address, case-insensitively (SQLite: ASCII letters only)
        query = query.where(func.lower(User.display_name).contains(search, autoescape=True)
                            | func.lower(User.email).contains(search, autoescape=True))
    filtered = query
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if sort != "name":  # over the whole class before paging: one sum per learner over their card states
        per_learner = (
            select(CardState.user_id.label("user_id"), func.sum(recall).label("recall"),
                   func.sum(case(((CardState.due <= now) & CardState.suspended.is_(False), 1), else_=0)).label("due"))
            .join(Card, Card.id == CardState.card_id).join(Question, Question.id == Card.question_id)
            .where(CardState.user_id.in_(members), Question.topic_id.in_(list(topic_ids)), live_card, state_here)
            .group_by(CardState.user_id).subquery())
        query = query.outerjoin(per_learner, per_learner.c.user_id == User.id).order_by(
            func.coalesce(per_learner.c.recall, 0.0) if sort == "mastery" else
            func.coalesce(per_learner.c.due, 0).desc())
    learners = [LearnerRow(uid, name, email, joined, {t.id: Cell(cards=t.cards) for t in topics}, language)
                for uid, name, email, joined, language in session.execute(
                    query.order_by(User.display_name, User.id).offset(offset).limit(limit)).all()]
    by_user = {row.user_id: row for row in learners}
    count = session.scalar(select(func.count()).select_from(ClassMember).where(ClassMember.class_id == class_id))
    matching = session.scalar(select(func.count()).select_from(filtered.subquery())) if search else count
    everyone = not search and not offset and (limit is None or (count or 0) <= limit)
    page = members if everyone else list(by_user)

    # 3. answers per learner and topic, from the running totals
    for uid, topic_id, given, right, last in ([] if not answers else session.execute(
            select(AnswerTotal.user_id, Question.topic_id, func.sum(AnswerTotal.answers),
                   func.sum(AnswerTotal.right_answers), func.max(AnswerTotal.last_reviewed_at))
            .join(Card, Card.id == AnswerTotal.card_id).join(Question, Question.id == Card.question_id)
            .where(AnswerTotal.user_id.in_(page), Question.pack_id.in_(packs))
            .group_by(AnswerTotal.user_id, Question.topic_id)).all()):
        if uid in by_user and topic_id in topic_ids:
            cell = by_user[uid].cells[topic_id]
            cell.reviews, cell.right = int(given or 0), int(right or 0)
            cell.last_active = _utc(last)
    if count_imported and answers:  # imported answers are not in answer_totals (review_logs' triggers skip them)
        for uid, topic_id, given, right, last in session.execute(
                select(ReviewLog.user_id, Question.topic_id, func.count(ReviewLog.id),
                       func.sum(case((ReviewLog.correct.is_(True), 1), else_=0)), func.max(ReviewLog.reviewed_at))
                .join(Card, Card.id == ReviewLog.card_id).join(Question, Question.id == Card.question_id)
                .where(ReviewLog.user_id.in_(page), ReviewLog.imported.is_(True), Question.pack_id.in_(packs))
                .group_by(ReviewLog.user_id, Question.topic_id)).all():
            if uid in by_user and topic_id in topic_ids:
                cell = by_user[uid].cells[topic_id]
                cell.reviews, cell.right = cell.reviews + int(given), cell.right + int(right or 0)
                cell.last_active = max(filter(None, (cell.last_active, _utc(last))), default=None)

    # 4. due cards, studied cards and mastery (FSRS retrievability summed in SQL) per learner and topic
    for uid, topic_id, due, seen, total in session.execute(
            select(CardState.user_id, Question.topic_id,
                   func.sum(case(((CardState.due <= now) & CardState.suspended.is_(False), 1), else_=0)),
                   func.sum(case((CardState.last_review.is_not(None), 1), else_=0)), func.sum(recall))
            .join(Card, Card.id == CardState.card_id).join(Question, Question.id == Card.question_id)
            .where(CardState.user_id.in_(page), Question.pack_id.in_(packs), live_card, state_here)
            .group_by(CardState.user_id, Question.topic_id)).all():
        if uid in by_user and topic_id in topic_ids:
            cell = by_user[uid].cells[topic_id]
            cell.due, cell.seen, cell.recall = int(due or 0), int(seen or 0), float(total or 0.0)

    # 5. the whole class's mastery per topic (the table's footer): the cells' sums when every learner is here,
    # else one sum per topic over the whole class
    def whole_class() -> Summary:
        class_recall = {topic_id: float(total or 0.0) for topic_id, total in session.execute(
            select(Question.topic_id, func.sum(recall))
            .join(Card, Card.id == CardState.card_id).join(Question, Question.id == Card.question_id)
            .where(CardState.user_id.in_(members), Question.pack_id.in_(packs), live_card, state_here,
                   CardState.last_review.is_not(None))
            .group_by(Question.topic_id)).all() if topic_id in topic_ids}
        return Summary(now, class_recall,
                       question_rows(session, packs, members, wrong_answers_for) if questions else [])

    if page is members:
        class_recall = {t.id: sum(row.cells[t.id].recall for row in learners) for t in topics}
        return ClassProgress(topics, learners, question_rows(session, packs, members, wrong_answers_for)
                             if questions else [], int(count or 0), class_recall, matching=int(matching or 0))
    if summaries is None:
        summary = whole_class()
    else:  # a class bigger than a page: its class-wide figures are kept for a minute (`summary_cache`)
        key = (class_id, count_imported, questions, wrong_answers_for, int(count or 0),
               tuple((t.id, t.cards) for t in topics))
        summary = summaries.get(key, whole_class)
    return ClassProgress(topics, learners, summary.questions, int(count or 0), summary.class_recall,
                         summary_at=None if summaries is None else summary.computed_at, matching=int(matching or 0))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):  # max() over SQLite's stored text
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else sched.as_utc(moment)


def gradebook_rows(progress: ClassProgress, section: str) -> list[list[str]]:
    """A Canvas-style gradebook export: Student, ID, SIS User ID, SIS Login ID, Section, one `Title (id)`
    column per topic (mastery, out of 100), Current Score and Final Score; row 2 is "Points Possible"."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    header += [f"{t.pack_title}: {t.title} ({t.key})" for t in progress.topics]
    header += ["Current Score", "Final Score", "Language"]
    # Canvas imports no "(read only)" column: the language is for the instructor's eyes.
    points = (["Points Possible", "", "", "", ""] + ["100.00"] * len(progress.topics)
              + ["(read only)", "(read only)", "(read only)"])
    rows = [header, points]
    for learner in progress.learners:
        scores = [f"{learner.cells[t.id].mastery * 100:.2f}" for t in progress.topics]
        overall = f"{learner.mastery * 100:.2f}"
        rows.append([learner.name, str(learner.user_id), "", learner.email, section] + scores
                    + [overall, overall, learner.language or "browser"])
    return csv_safe_rows(rows)  # every cell, headers included: a pack or topic title is someone else's text
