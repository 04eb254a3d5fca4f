"""The study service: what to show next, recording answers, changing a rating, undo, reset.

Plain functions over a session and a user; they flush but never commit (the caller owns the transaction).
Every query is scoped to the learner passed in: no function here reads another learner's records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import fsrs
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from quizapp.access import pack_visible_to
from quizapp.checking import CheckResult
from quizapp.models import Card, CardState, Pack, ReviewLog, User, utcnow
from quizapp.study import statements
from quizapp.study import scheduler as sched
from quizapp.study.queue import Queue, QueueCounts, build_queue  # noqa: F401  (the study service's API)
from quizapp.study.rating import suggested_rating


class StudyError(Exception):
    """A study action that cannot be done now (nothing to undo, a stale rating change, ...). Its message is a lazy
    string: `str()` in the request's language (a page's flash), `message` for the JSON API to word in English."""

    @property
    def message(self) -> Any:
        return self.args[0] if self.args else ""


class AlreadyAnswered(StudyError):
    """The card was answered (in another tab, window or server) after the page being answered was shown."""

    def __init__(self) -> None:
        super().__init__(_l("this card was answered in another tab or window after this page was shown: that "
                            "answer counts, this one was not recorded"))


def learner_scheduler(user: User, fuzz: bool = True) -> fsrs.Scheduler:
    return sched.make_scheduler(user.desired_retention, fuzz)


@dataclass(frozen=True)
class Answer:
    log: ReviewLog
    outcome: sched.Outcome | None  # None when replayed
    replayed: bool = False  # the same submission (idempotency key) was recorded before: this is that answer


def card_state(session: Session, user: User, card_id: int) -> CardState | None:
    return session.scalar(statements.CARD_STATE, {"user_id": user.id, "card_id": card_id})


def card_to_study(session: Session, user: User, card_id: int) -> tuple[Card, int] | None:
    """A card with its question and topic (what the study page shows) and the learner's state version of it
    (0 while new), in one query."""
    row = session.execute(statements.CARD_TO_STUDY, {"user_id": user.id, "card_id": card_id}).first()
    return (row[0], row[1] or 0) if row is not None else None


def state_version(session: Session, user: User, card_id: int) -> int:
    """The version of the learner's state of a card, 0 while the card is new; pages showing the card carry it."""
    return session.scalar(select(CardState.version).where(CardState.user_id == user.id,
                                                          CardState.card_id == card_id)) or 0


class KeyReused(StudyError):
    """An idempotency key already recorded an answer to another card (a client bug, never a retry)."""

    def __init__(self) -> None:
        super().__init__(_l("this submission's key was already used for another card; reload the page"))


def answer_with_key(session: Session, user: User, key: str | None) -> ReviewLog | None:
    """The answer already recorded for this submission (idempotency key), if any."""
    if not key:
        return None
    return session.scalar(statements.ANSWER_WITH_KEY, {"user_id": user.id, "key": key})


def record_answer(session: Session, user: User, card: Card, response: Any, result: CheckResult,
                  response_ms: int | None, seed: int | None, scheduler: fsrs.Scheduler,
                  now: datetime | None = None, seen: Any = None,
                  idempotency_key: str | None = None, shown_version: int | None = None) -> Answer:
    """Store an answer with the rating it suggests and apply it to the card's FSRS state.
    `idempotency_key`: the submission's key; when an answer with it exists, that answer is returned (replayed).
    `shown_version`: the state version the page showed; another current version raises AlreadyAnswered. `seen`: the version
    of the question the learner was shown (`quizapp.study.seen`), when it is not the current one."""
    now = sched.as_utc(now or utcnow())
    question = seen if seen is not None else card.question
    replay_id, row = session.execute(statements.REPLAY_ID_AND_STATE,
                                     {"user_id": user.id, "key": idempotency_key, "card_id": card.id}).one()
    if replay_id is not None:  # the same submission again (rare): its answer
        replay = session.get(ReviewLog, replay_id)
        if replay.card_id != card.id:
            raise KeyReused()
        return Answer(replay, None, replayed=True)
    if shown_version is not None and (row.version if row is not None else 0) != shown_version:
        raise AlreadyAnswered()
    before = sched.state_from_columns(row) if row is not None else None
    rating = suggested_rating(question.qtype, result.correct, response_ms)
    outcome = sched.review(scheduler, before, rating, now, card.id, response_ms)
    log = ReviewLog(user_id=user.id, card_id=card.id, reviewed_at=now, rating=rating, suggested_rating=rating,
                    answer=response, correct=result.correct, response_ms=response_ms, state_before=before,
                    state_after=outcome.state, variant_seed=seed, content_hash=question.content_hash,
                    idempotency_key=idempotency_key, imported=False)
    _write_answer(session, user, card, row, sched.columns_from_state(outcome.state), log)
    return Answer(log, outcome)


def _write_answer(session: Session, user: User, card: Card, row: CardState | None, state: dict[str, Any],
                  log: ReviewLog) -> None:
    """The answer's two writes as two Core statements: the card state (a new row, or an update that checks and
    bumps its version: optimistic locking, as the ORM's version counter does) and the answer's row, whose id comes
    back from the INSERT. The ORM's unit of work cost about as much CPU as the rest of an answer's request.
    `log` is then attached to the session as the row just written (no query), and the state read before is
    expired, so both read as stored. Raises AlreadyAnswered when another request changed the state first."""
    if session.autoflush:  # as session.execute would: pending changes are written first
        session.flush()
    connection = session.connection()
    try:
        if row is None:  # two submissions of a new card at once: the unique (user, card) refuses the second
            connection.execute(statements.NEW_STATE,
                               {"user_id": user.id, "card_id": card.id, "version": 1, **state})
        else:
            changed = connection.execute(statements.NEXT_STATE,
                                         {"state_id": row.id, "read": row.version, **state})
            if changed.rowcount != 1:  # another request changed the card's state since it was read
                raise AlreadyAnswered()
            session.expire(row)
        values = {key: getattr(log, key) for key in statements.LOG_COLUMNS}
        log.id = connection.execute(statements.NEW_LOG, values).scalar_one()
    except IntegrityError as error:  # a new card's state written twice at once, or the same key twice
        raise AlreadyAnswered() from error
    make_transient_to_detached(log)
    session.add(log)


def newest_log(session: Session, user: User) -> ReviewLog | None:
    return session.scalar(select(ReviewLog).where(ReviewLog.user_id == user.id)
                          .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc()).limit(1))


def own_log(session: Session, user: User, log_id: int) -> ReviewLog | None:
    """A review log row, only if it belongs to this learner."""
    return session.scalar(select(ReviewLog).where(ReviewLog.id == log_id, ReviewLog.user_id == user.id))


def _current_matches(row: CardState | None, log: ReviewLog) -> bool:
    return row is not None and sched.state_from_columns(row) == log.state_after


def change_rating(session: Session, user: User, log_id: int, rating: int, scheduler: fsrs.Scheduler) -> Answer:
    """Re-apply the newest answer with another rating, from the state it was given in."""
    if rating not in sched.RATING_NAMES:
        raise StudyError(_l("a rating is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)"))
    log = newest_log(session, user)
    if log is None or log.id != log_id:
        raise StudyError(_l("only the rating of your last answer can be changed"))
    row = card_state(session, user, log.card_id)
    if not _current_matches(row, log):
        raise StudyError(_l("this card changed since that answer (reset?); its rating can no longer be changed"))
    outcome = sched.review(scheduler, log.state_before, rating, log.reviewed_at, log.card_id, log.response_ms)
    for key, value in sched.columns_from_state(outcome.state).items():
        setattr(row, key, value)
    log.rating = rating
    log.state_after = outcome.state
    session.flush()
    return Answer(log, outcome)


@dataclass(frozen=True)
class Undone:
    card_id: int
    seed: int | None
    pack_slug: str


def undo_last(session: Session, user: User) -> Undone:
    """Delete the newest answer and restore the card's exact previous state."""
    log = newest_log(session, user)
    if log is None:
        raise StudyError(_l("there is no answer to undo"))
    row = card_state(session, user, log.card_id)
    if not _current_matches(row, log):
        raise StudyError(_l("the card changed since your last answer (reset?); that answer cannot be undone"))
    assert row is not None
    if log.state_before is None:
        session.delete(row)
    else:
        for key, value in sched.columns_from_state(log.state_before).items():
            setattr(row, key, value)
    card = session.get(Card, log.card_id)
    assert card is not None
    undone = Undone(log.card_id, log.variant_seed, card.question.pack.slug)
    session.delete(log)
    session.flush()
    return undone


def reset_card(session: Session, user: User, card_id: int) -> bool:
    """Forget a card: it becomes new again (and unsuspended). The review history is kept."""
    result = session.execute(delete(CardState).where(CardState.user_id == user.id, CardState.card_id == card_id))
    session.flush()
    return bool(result.rowcount)


def unsuspend_card(session: Session, user: User, card_id: int) -> bool:
    row = card_state(session, user, card_id)
    if row is None or not row.suspended:
        return False
    row.suspended = False
    session.flush()
    return True


def answers_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count(ReviewLog.id)).where(ReviewLog.user_id == user.id)) or 0


def interval_preview(user: User, log: ReviewLog, scheduler: fsrs.Scheduler) -> dict[int, str]:
    intervals = sched.preview(scheduler, log.state_before, log.reviewed_at, log.card_id)
    return {rating: sched.format_interval(delta) for rating, delta in intervals.items()}


def due_summary(session: Session, user: User, now: datetime | None = None) -> dict[int, QueueCounts]:
    """Per pack id: what is due today (for the dashboard)."""
    packs = session.scalars(select(Pack).where(pack_visible_to(user))).all()
    return {pack.id: build_queue(session, user, pack, now, visible=True).counts for pack in packs}


def timedelta_ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)
