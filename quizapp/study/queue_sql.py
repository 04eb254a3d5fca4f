"""The study queue's two reads, as SQLAlchemy Core statements built once at import (bound parameters, no ORM):
the study page and the feedback page each run both, and through the ORM these column reads cost several times
their Core price in Python (the ORM's compile and result layers; measured in docs/performance.md). Same SQL,
same rows: the tables' columns keep their types (UTC datetimes, JSON), only the ORM's machinery is skipped."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import fsrs
from sqlalchemy import bindparam, case, func, literal, or_, select
from sqlalchemy.orm import Session

from quizapp.browse.models import CardMark
from quizapp.models import Card, CardState, Question, ReviewLog

_logs, _cards, _questions = ReviewLog.__table__, Card.__table__, Question.__table__
_states, _marks = CardState.__table__, CardMark.__table__
REVIEW_STATE = fsrs.State.Review.value

# What the learner answered since `start`, one row per card (not per answer: a busy day holds hundreds of answers
# and building a Python row for each cost more than the query): card, question, pack, how many answers, how many
# of them to the card while new (the state before is NULL: the database extracts the number, decoding each whole
# JSON state in Python cost most of a busy day's study page) and how many as a review.
_state_before = _logs.c.state_before["state"].as_integer()
TODAY = (select(_logs.c.card_id, _cards.c.question_id, _questions.c.pack_id, func.count().label("answers"),
                func.count(case((_state_before.is_(None), 1))).label("new_answers"),
                func.count(case((_state_before == REVIEW_STATE, 1))).label("review_answers"))
         .join(_cards, _cards.c.id == _logs.c.card_id).join(_questions, _questions.c.id == _cards.c.question_id)
         .where(_logs.c.user_id == bindparam("user_id"), _logs.c.reviewed_at >= bindparam("start"))
         .group_by(_logs.c.card_id, _cards.c.question_id, _questions.c.pack_id))


def _states_of(in_states: Any, in_marks: Any) -> Any:
    """The learner's states of some cards (only the columns the queue needs, all in ix_card_states_user_due: an
    index-only scan), and in the same statement their manual marks (card browser: suspended or buried by hand),
    as rows with fsrs_state 0 and the burial time as `due`."""
    marks = (select(_marks.c.card_id, literal(0).label("fsrs_state"), _marks.c.buried_until.label("due"),
                    _marks.c.suspended)
             .where(_marks.c.user_id == bindparam("user_id"), in_marks,
                    or_(_marks.c.suspended.is_(True), _marks.c.buried_until.is_not(None))))
    return (select(_states.c.card_id, _states.c.fsrs_state, _states.c.due, _states.c.suspended)
            .where(_states.c.user_id == bindparam("user_id"), in_states).union_all(marks))


# A pack's cards are (nearly) one id range: a range scan with two parameters instead of an IN list of every id.
STATES_IN_RANGE = _states_of(_states.c.card_id.between(bindparam("low"), bindparam("high")),
                             _marks.c.card_id.between(bindparam("low"), bindparam("high")))
STATES_OF_CARDS = _states_of(_states.c.card_id.in_(bindparam("ids", expanding=True)),
                             _marks.c.card_id.in_(bindparam("ids", expanding=True)))


def _connection(session: Session) -> Any:
    if session.autoflush:  # as session.execute would: pending changes (an answer just recorded) are read back
        session.flush()
    return session.connection()


def today_rows(session: Session, user_id: int, start: datetime) -> Sequence[Any]:
    return _connection(session).execute(TODAY, {"user_id": user_id, "start": start}).all()


def state_rows(session: Session, user_id: int, low: int | None = None, high: int | None = None,
               ids: list[int] | None = None) -> Sequence[Any]:
    """States and marks of the cards `low`..`high` or of the cards `ids`."""
    if ids is not None:
        return _connection(session).execute(STATES_OF_CARDS, {"user_id": user_id, "ids": ids}).all()
    return _connection(session).execute(STATES_IN_RANGE, {"user_id": user_id, "low": low, "high": high}).all()
