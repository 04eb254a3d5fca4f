"""What to study next: the learner's queue in a pack (or in every pack they may see), and its counts.

Order: learning cards due now, reviews due today (oldest first, within the daily review limit), new cards (within
the daily new limit, in the pack's learning order), then learning cards due within the learn-ahead window. A card
whose sibling (another card of its question) was answered today waits.

Every study page and feedback page builds the queue, so its cost matters: for one pack it walks the learner's card
states and today's answers, not every card of the pack (a pack of hundreds of cards held by a learner who has
seen a few dozen). Focus sessions and the all-packs queue walk every card (`_sort_every_card`); both ways give the
same queue (tests/study/test_queue_order.py compares them on random learners).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.access import can_see_pack, pack_visible_to
from quizapp.models import Card, Pack, Question, Topic, User, utcnow
from quizapp.study import queue_sql
from quizapp.study import scheduler as sched
from quizapp.study.pack_cards import PackCards, pack_cards

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


def _active_cards(session: Session, user: User) -> list[tuple[int, int]]:
    """(card id, question id) of the cards to study in every pack the learner may see, in authored order."""
    query = (select(Card.id, Card.question_id)
             .join(Question, Question.id == Card.question_id).join(Topic, Topic.id == Question.topic_id)
             .join(Pack, Pack.id == Question.pack_id)
             .where(Question.retired_at.is_(None), Card.retired_at.is_(None), pack_visible_to(user))
             .order_by(Pack.title, Topic.position, Question.position, Card.position, Card.id))
    return [(card_id, question_id) for card_id, question_id in session.execute(query).all()]


@dataclass(frozen=True)
class Today:
    """What the learner did today, as the queue needs it."""
    reviewed_cards: frozenset[int]
    questions: frozenset[int]  # questions with a card answered today: their other cards wait
    new: int  # new cards answered today (counts against the daily new limit)
    reviews: int
    done: int  # answers today in this pack (or everywhere, for the all-packs queue)

    def waits(self, card_id: int, question_id: int) -> bool:
        """A sibling of this card (another card of its question) was answered today, and not this card."""
        return question_id in self.questions and card_id not in self.reviewed_cards


def summarize_today(rows: Iterable[Any], pack: Pack | None) -> Today:
    """`rows`: queue_sql.TODAY's, one per card answered today."""
    reviewed_cards: set[int] = set()
    questions: set[int] = set()
    new = reviews = done = 0
    for card_id, question_id, pack_id, answers, new_answers, review_answers in rows:
        reviewed_cards.add(card_id)
        questions.add(question_id)
        new += new_answers
        reviews += review_answers
        if pack is None or pack_id == pack.id:
            done += answers
    return Today(frozenset(reviewed_cards), frozenset(questions), new, reviews, done)


@dataclass
class Sorted:
    """The cards to study, by kind: learning/reviews/ahead as (due, card id), `waiting` the due dates of cards not
    due yet, `new_count` the new cards before the daily limit and `first_new()` the first of them."""
    learning: list[tuple[datetime, int]]
    reviews: list[tuple[datetime, int]]
    ahead: list[tuple[datetime, int]]
    waiting: list[datetime]
    new_count: int
    first_new: Callable[[], int | None]


REVIEW = queue_sql.REVIEW_STATE


class _Kinds:
    """Sorts cards that have a state into learning, reviews, ahead and waiting (shared by both walks)."""

    def __init__(self, now: datetime, end: datetime) -> None:
        self.now, self.end, self.ahead_until = now, end, now + sched.LEARN_AHEAD
        self.learning: list[tuple[datetime, int]] = []
        self.reviews: list[tuple[datetime, int]] = []
        self.ahead: list[tuple[datetime, int]] = []
        self.waiting: list[datetime] = []

    def add(self, card_id: int, state: Any) -> None:
        if state.fsrs_state == REVIEW:
            if state.due < self.end:
                self.reviews.append((state.due, card_id))
            else:
                self.waiting.append(state.due)
        elif state.due <= self.now:
            self.learning.append((state.due, card_id))
        elif state.due <= self.ahead_until:
            self.ahead.append((state.due, card_id))
        else:
            self.waiting.append(state.due)

    def done(self, new_count: int, first_new: Callable[[], int | None]) -> Sorted:
        return Sorted(self.learning, self.reviews, self.ahead, self.waiting, new_count, first_new)


def _sort_every_card(cards: Iterable[tuple[int, int]], states: dict[int, Any], hidden: Collection[int],
                     today: Today, only: frozenset[int] | None, now: datetime, end: datetime) -> Sorted:
    """Walk every card in learning order (focus sessions, the all-packs queue)."""
    kinds = _Kinds(now, end)
    new: list[int] = []
    for card_id, question_id in cards:
        if (only is not None and card_id not in only) or card_id in hidden:
            continue
        state = states.get(card_id)
        if (state is not None and state.suspended) or today.waits(card_id, question_id):
            continue
        if state is None:
            new.append(card_id)
        else:
            kinds.add(card_id, state)
    return kinds.done(len(new), lambda: new[0] if new else None)


def _sort_pack(listed: PackCards, states: dict[int, Any], hidden: Collection[int], today: Today,
               now: datetime, end: datetime) -> Sorted:
    """The same sort for one pack, walking the learner's states and today's questions instead of every card: a
    card is new unless it has a state or a mark hiding it, and a new card waits when a sibling was answered today.
    The first new card is looked for only when the queue shows it."""
    question_of = listed.question_of
    kinds = _Kinds(now, end)
    taken = {card_id for card_id in hidden if card_id in question_of}  # pack cards that are not new
    for card_id, state in states.items():
        question_id = question_of.get(card_id)
        if question_id is None:  # another pack's card inside this pack's id range
            continue
        taken.add(card_id)
        if card_id in hidden or state.suspended or today.waits(card_id, question_id):
            continue
        kinds.add(card_id, state)

    siblings = listed.cards_of_question
    waiting_new = sum(1 for question_id in today.questions for card_id in siblings.get(question_id, ())
                      if card_id not in taken and today.waits(card_id, question_id))

    def first_new() -> int | None:
        return next((card_id for card_id, question_id in listed.cards
                     if card_id not in taken and not today.waits(card_id, question_id)), None)

    return kinds.done(len(listed.cards) - len(taken) - waiting_new, first_new)


def queue_of(kinds: Sorted, new_left: int, reviews_left: int, done: int) -> Queue:
    kinds.learning.sort()
    kinds.reviews.sort()
    kinds.ahead.sort()
    reviews = kinds.reviews[:reviews_left]
    new = min(kinds.new_count, new_left)
    counts = QueueCounts(len(kinds.learning) + len(kinds.ahead), len(reviews), new, done)
    if kinds.learning:
        card_id: int | None = kinds.learning[0][1]
    elif reviews:
        card_id = reviews[0][1]
    elif new:
        card_id = kinds.first_new()
    elif kinds.ahead:
        card_id = kinds.ahead[0][1]
    else:
        card_id = None
    next_due = min(kinds.waiting, default=None) if card_id is None else None
    return Queue(card_id, counts, next_due)


def build_queue(session: Session, user: User, pack: Pack | None, now: datetime | None = None,
                visible: bool | None = None, only: frozenset[int] | None = None) -> Queue:
    """The learner's queue (see the module's docstring).
    `visible`: whether the learner may see `pack`, when the caller has just checked it (as `find_pack` does);
    None: checked here. A pack the learner may not see has no cards to study (its answers today still count).
    `only`: a focus session (quizapp.study.focus): just these cards, without the daily limits."""
    now = sched.as_utc(now or utcnow())
    start, end = sched.day_bounds(now, user.timezone, user.rollover_hour)
    today = summarize_today(queue_sql.today_rows(session, user.id, start), pack)
    new_left = max(0, user.new_per_day - today.new) if only is None else len(only)
    reviews_left = max(0, user.reviews_per_day - today.reviews) if only is None else len(only)

    listed: PackCards | None = None
    if pack is None:
        cards: Any = _active_cards(session, user)
    else:
        if visible is None:
            visible = can_see_pack(session, user, pack)
        listed = pack_cards(session, pack) if visible else None
        cards = listed.cards if listed is not None else ()
    # The learner's states of these cards and their manual marks (card browser), in one statement: a pack's
    # states as its id range (states of other packs' cards inside the range are ignored).
    states: dict[int, Any] = {}
    hidden: set[int] = set()
    if cards:
        rows = (queue_sql.state_rows(session, user.id, ids=[card_id for card_id, _ in cards]) if listed is None
                else queue_sql.state_rows(session, user.id, listed.low, listed.high))
        for row in rows:
            if row.fsrs_state:
                states[row.card_id] = row
            elif row.suspended or (row.due is not None and sched.as_utc(row.due) > now):
                hidden.add(row.card_id)
    if listed is not None and only is None:
        kinds = _sort_pack(listed, states, hidden, today, now, end)
    else:
        kinds = _sort_every_card(cards, states, hidden, today, only, now, end)
    return queue_of(kinds, new_left, reviews_left, today.done)
