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
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from quizapp.access import can_see_pack, pack_visible_to
from quizapp.checking import CheckResult
from quizapp.models import Card, CardState, Pack, Question, ReviewLog, Topic, User, utcnow
from quizapp.study import queue_sql, statements
from quizapp.study import scheduler as sched
from quizapp.study.pack_cards import pack_cards
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
class QueueCounts:
    learning: int  # learning/relearning cards due now
    review: int  # review cards due today, within today's review limit
    new: int  # new cards still allowed today
    done_today: int  # answers given today (in this pack, or everywhere)

    @property
    def remaining(self) -> int:
        return self.learning + self.review + self.new


@dataclass(frozen=True)
class Queue:
    card_id: int | None
    counts: QueueCounts
    next_due: datetime | None  # when something becomes due again, if nothing is due now


@dataclass(frozen=True)
class _TodayLog:
    card_id: int
    question_id: int
    pack_id: int
    was_new: bool
    was_review: bool


def _today_logs(session: Session, user: User, start: datetime) -> list[_TodayLog]:
    review = fsrs.State.Review.value
    return [_TodayLog(card_id, question_id, pack_id, state is None, state == review)
            for card_id, state, question_id, pack_id in queue_sql.today_rows(session, user.id, start)]


def _active_cards(session: Session, user: User) -> list[tuple[int, int]]:
    """(card id, question id) of the cards to study in every pack the learner may see, in authored order."""
    query = (select(Card.id, Card.question_id)
             .join(Question, Question.id == Card.question_id).join(Topic, Topic.id == Question.topic_id)
             .join(Pack, Pack.id == Question.pack_id)
             .where(Question.retired_at.is_(None), Card.retired_at.is_(None), pack_visible_to(user))
             .order_by(Pack.title, Topic.position, Question.position, Card.position, Card.id))
    return [(card_id, question_id) for card_id, question_id in session.execute(query).all()]


def build_queue(session: Session, user: User, pack: Pack | None, now: datetime | None = None,
                visible: bool | None = None, only: frozenset[int] | None = None) -> Queue:
    """Pick the next card. Order: learning cards due now, reviews due today (oldest first, within the daily
    review limit), new cards (within the daily new limit, authored order), then learning cards due within
    the learn-ahead window. A card whose sibling (another card of its question) was answered today waits.
    `visible`: whether the learner may see `pack`, when the caller has just checked it (as `find_pack` does);
    None: checked here. A pack the learner may not see has no cards to study (its answers today still count).
    `only`: a focus session (quizapp.study.focus): just these cards, without the daily limits."""
    now = sched.as_utc(now or utcnow())
    start, end = sched.day_bounds(now, user.timezone, user.rollover_hour)
    today = _today_logs(session, user, start)
    reviewed_cards: set[int] = set()
    questions_today: set[int] = set()
    new_today = reviews_today = done = 0
    for log in today:  # one pass: a busy learner has hundreds of answers a day
        reviewed_cards.add(log.card_id)
        questions_today.add(log.question_id)
        new_today += log.was_new
        reviews_today += log.was_review
        done += pack is None or log.pack_id == pack.id
    new_left = max(0, user.new_per_day - new_today) if only is None else len(only)
    reviews_left = max(0, user.reviews_per_day - reviews_today) if only is None else len(only)

    if pack is None:
        cards = _active_cards(session, user)
    else:
        if visible is None:
            visible = can_see_pack(session, user, pack)
        listed = pack_cards(session, pack) if visible else None
        cards = listed.cards if listed is not None else ()
    # The learner's states of these cards and their manual marks (card browser), in one statement: a pack's
    # states as its id range (states of other packs' cards inside the range are ignored below).
    states: dict[int, Any] = {}
    hidden: set[int] = set()
    if cards:
        rows = (queue_sql.state_rows(session, user.id, ids=[card_id for card_id, _ in cards]) if pack is None
                else queue_sql.state_rows(session, user.id, listed.low, listed.high))
        for row in rows:
            if row.fsrs_state:
                states[row.card_id] = row
            elif row.suspended or (row.due is not None and sched.as_utc(row.due) > now):
                hidden.add(row.card_id)

    learning, reviews, new, ahead = [], [], [], []
    waiting: list[datetime] = []
    review_state, ahead_until = fsrs.State.Review.value, now + sched.LEARN_AHEAD
    for card_id, question_id in cards:
        if (only is not None and card_id not in only) or card_id in hidden:
            continue
        state = states.get(card_id)
        if state is not None and state.suspended:
            continue
        # A sibling of this card (another card of its question) was answered today, and not this card: it waits.
        if question_id in questions_today and card_id not in reviewed_cards:
            continue
        if state is None:
            new.append(card_id)
        elif state.fsrs_state == review_state:
            if state.due < end:
                reviews.append((state.due, card_id))
            else:
                waiting.append(state.due)
        elif state.due <= now:
            learning.append((state.due, card_id))
        elif state.due <= ahead_until:
            ahead.append((state.due, card_id))
        else:
            waiting.append(state.due)
    learning.sort()
    reviews.sort()
    ahead.sort()
    reviews = reviews[:reviews_left]
    new = new[:new_left]
    counts = QueueCounts(len(learning) + len(ahead), len(reviews), len(new), done)
    order = [c for _, c in learning] + [c for _, c in reviews] + new + [c for _, c in ahead]
    next_due = min(waiting, default=None) if not order else None
    return Queue(order[0] if order else None, counts, next_due)


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
    if row is None:
        row = CardState(user_id=user.id, card_id=card.id, **sched.columns_from_state(outcome.state))
        session.add(row)
    else:
        for key, value in sched.columns_from_state(outcome.state).items():
            setattr(row, key, value)
    log = ReviewLog(user_id=user.id, card_id=card.id, reviewed_at=now, rating=rating, suggested_rating=rating,
                    answer=response, correct=result.correct, response_ms=response_ms, state_before=before,
                    state_after=outcome.state, variant_seed=seed, content_hash=question.content_hash,
                    idempotency_key=idempotency_key)
    session.add(log)
    try:
        session.flush()
    except IntegrityError as error:  # two submissions of a new card at once, or of the same key
        raise AlreadyAnswered() from error
    except StaleDataError as error:  # another request changed the card's state since it was read
        raise AlreadyAnswered() from error
    return Answer(log, outcome)


def newest_log(session: Session, user: User) -> ReviewLog | None:
    return session.scalar(select(ReviewLog).where(ReviewLog.user_id == user.id)
                          .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc()).limit(1))


def own_log_and_newest_id(session: Session, user: User, log_id: int) -> tuple[ReviewLog, int] | None:
    """`own_log` and the id of the learner's newest answer (what `newest_log` returns), in one query."""
    row = session.execute(statements.OWN_LOG_AND_NEWEST_ID, {"user_id": user.id, "log_id": log_id}).first()
    return (row[0], row[1]) if row is not None else None


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
