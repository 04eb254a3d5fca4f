"""The class page's tables as text, formatted in Python once per page: a page of 100 learners x 10 topics has
~1,100 cells, and formatting each in the template (a filter call looking up the locale and the time zone, a
`pct` call, the learner's totals summed again over the cells for each column) was most of the page's rendering
once its class-wide figures are kept. The template only places these strings (escaped as any other text)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from quizapp.classes.progress import ClassProgress, LearnerRow


def pct(value: float | None) -> str:
    """A share as a whole percentage (`–` when there is none)."""
    return "–" if value is None else f"{int(round(value * 100, 0))}%"


def local_time_formatter(user: object) -> Callable[[datetime], str]:
    """`quizapp.factory`'s `localtime` filter with the locale and the user's zone looked up once."""
    from flask_babel import get_locale

    from quizapp.factory import month_day
    from quizapp.study.scheduler import zone

    tz, locale = zone(getattr(user, "timezone", "UTC")), str(get_locale() or "en")

    def local(moment: datetime) -> str:
        moment = moment.astimezone(tz)
        return f"{month_day(moment.date(), locale)} {moment:%H:%M}"
    return local


@dataclass(frozen=True)
class LearnerLine:
    row: LearnerRow
    reviews: int
    retention: str
    mastery: float
    mastery_text: str
    due: int
    last_active: str | None  # None: never
    cells: list[tuple[str, str, str, str]]  # per topic: CSS class, mastery, hint, last active ('' if never)


def learner_lines(report: ClassProgress, cell_hint: str, local: Callable[[datetime], str]) -> list[LearnerLine]:
    """One line per learner of the page: the totals of the learners' table and the cells of the per-topic table.
    `cell_hint` is the translated "%(reviews)s rev · %(retention)s right · %(due)s due"."""
    lines = []
    for row in report.learners:
        cells = []
        reviews = right = due = cards = 0
        recall = 0.0
        last_active: datetime | None = None
        for topic in report.topics:
            cell = row.cells[topic.id]
            reviews, right, due = reviews + cell.reviews, right + cell.right, due + cell.due
            recall, cards = recall + cell.recall, cards + cell.cards
            if cell.last_active and (last_active is None or cell.last_active > last_active):
                last_active = cell.last_active
            hint = cell_hint % {"reviews": cell.reviews, "retention": pct(cell.retention), "due": cell.due}
            cells.append(("cell" if cell.reviews else "cell untouched", pct(cell.mastery), hint,
                          local(cell.last_active) if cell.last_active else ""))
        mastery = recall / cards if cards else 0.0
        lines.append(LearnerLine(row, reviews, pct(right / reviews if reviews else None), mastery, pct(mastery), due,
                                 local(last_active) if last_active else None, cells))
    return lines
