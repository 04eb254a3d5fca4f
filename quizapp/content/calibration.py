"""Difficulty from learners' answers: which questions most learners miss, against the label the author gave.

The rubric in docs/authoring.md gives each difficulty a band of expected first-answer miss rates. A question is
judged on each learner's first answer only (later reviews measure memory, not difficulty), and only once enough
learners have answered it. Reads the database, writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from quizapp.models import Card, Pack, Question, ReviewLog

# Upper bound of the first-answer miss rate expected for each difficulty (the rubric's bands): a difficulty-1
# question is missed by fewer than 10% of learners on their first try, a difficulty-5 one by more than 70%.
MISS_RATE_BANDS: dict[int, float] = {1: 0.10, 2: 0.25, 3: 0.45, 4: 0.70, 5: 1.0}
MIN_LEARNERS = 10


def difficulty_for_miss_rate(miss_rate: float) -> int:
    for difficulty, upper in MISS_RATE_BANDS.items():
        if miss_rate < upper or difficulty == 5:
            return difficulty
    return 5  # pragma: no cover  (the last band is open)


@dataclass(frozen=True)
class CalibrationRow:
    pack: str
    slug: str
    title: str
    labelled: int | None
    learners: int
    missed: int

    @property
    def miss_rate(self) -> float:
        return self.missed / self.learners if self.learners else 0.0

    @property
    def observed(self) -> int:
        return difficulty_for_miss_rate(self.miss_rate)

    @property
    def verdict(self) -> str:
        if self.labelled is None:
            return "unlabelled"
        if self.observed > self.labelled:
            return "harder than labelled"
        if self.observed < self.labelled:
            return "easier than labelled"
        return "as labelled"


def calibration_rows(session: Session, pack_slug: str | None = None,
                     min_learners: int = MIN_LEARNERS) -> list[CalibrationRow]:
    """Live questions answered by at least `min_learners` learners, the most missed first."""
    first_answer = (
        select(ReviewLog.user_id, Card.question_id, func.min(ReviewLog.id).label("log_id"))
        .join(Card, Card.id == ReviewLog.card_id)
        .group_by(ReviewLog.user_id, Card.question_id)
        .subquery()
    )
    missed = func.sum(case((ReviewLog.correct.is_(False), 1), else_=0))
    query = (
        select(Pack.slug, Question.slug, Question.title, Question.difficulty,
               func.count().label("learners"), missed.label("missed"))
        .select_from(first_answer)
        .join(ReviewLog, ReviewLog.id == first_answer.c.log_id)
        .join(Question, Question.id == first_answer.c.question_id)
        .join(Pack, Pack.id == Question.pack_id)
        .where(Question.retired_at.is_(None))
        .group_by(Pack.slug, Question.slug, Question.title, Question.difficulty)
        .having(func.count() >= min_learners)
    )
    if pack_slug is not None:
        query = query.where(Pack.slug == pack_slug)
    rows = [CalibrationRow(pack, slug, title, difficulty, learners, int(missed or 0))
            for pack, slug, title, difficulty, learners, missed in session.execute(query)]
    return sorted(rows, key=lambda row: (-row.miss_rate, row.pack, row.slug))


def mislabelled(rows: list[CalibrationRow]) -> list[CalibrationRow]:
    return [row for row in rows if row.verdict in ("harder than labelled", "easier than labelled", "unlabelled")]
