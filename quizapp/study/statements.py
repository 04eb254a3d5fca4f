"""The study loop's statements, built once with bound parameters instead of on every request.

Building a `select()` costs more Python than running it once it is compiled: every `Column == value` goes through
SQLAlchemy's coercions, and a new statement object must compute its cache key again before the compiled SQL is
found in the cache (measured in docs/performance.md, "Issue 17, third round"). A statement built once at first use
keeps its memoized cache key; each request only passes its parameters. Same SQL, same rows, same ORM objects
as the statements they replace. The visibility rule has three forms (visitor, admin, member: `access.viewer`),
so the statements that check it are built once per form.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.orm import aliased, contains_eager, joinedload

from quizapp.access import visible_condition
from quizapp.models import Card, CardState, Pack, Question, ReviewLog, User


@cache
def pack_by_slug(kind: str) -> Any:
    """The pack `slug`, if the viewer may study it (service.find_pack)."""
    return select(Pack).where(Pack.slug == bindparam("slug"), visible_condition(kind))


@cache
def visible_pack_card(kind: str) -> Any:
    """The card `card_id` of the pack `slug`, retired or not, with its question and pack, if the viewer may
    study that pack (service.find_visible_pack_card)."""
    return (select(Card).join(Card.question).join(Question.pack)
            .where(Pack.slug == bindparam("slug"), visible_condition(kind), Card.id == bindparam("card_id"))
            .options(contains_eager(Card.question).contains_eager(Question.pack)))


# The card `card_id` with its question and topic, and the version of the learner's state of it (NULL: new).
CARD_TO_STUDY = (select(Card, CardState.version)
                 .outerjoin(CardState, and_(CardState.card_id == Card.id, CardState.user_id == bindparam("user_id")))
                 .options(joinedload(Card.question).joinedload(Question.topic))
                 .where(Card.id == bindparam("card_id")))

# The learner's state of the card `card_id`.
CARD_STATE = select(CardState).where(CardState.user_id == bindparam("user_id"),
                                     CardState.card_id == bindparam("card_id"))

# The learner's answer recorded with the idempotency key `key`.
ANSWER_WITH_KEY = select(ReviewLog).where(ReviewLog.user_id == bindparam("user_id"),
                                          ReviewLog.idempotency_key == bindparam("key"))

# For an answer, in one statement: the id of the answer already recorded with the submission's idempotency key
# `key` (NULL: none) and the learner's state of the card `card_id` (None: new). From the learner's own row (which
# exists: they are logged in), so a new card still gives one row.
_replay_id = (select(ReviewLog.id).where(ReviewLog.user_id == bindparam("user_id"),
                                          ReviewLog.idempotency_key == bindparam("key")).scalar_subquery())
REPLAY_ID_AND_STATE = (select(_replay_id.label("replay_id"), CardState)
                       .select_from(User)
                       .outerjoin(CardState, and_(CardState.user_id == User.id,
                                                  CardState.card_id == bindparam("card_id")))
                       .where(User.id == bindparam("user_id")))

_newest = aliased(ReviewLog)
# The id of the learner's newest answer (one backward index step).
_NEWEST_ID = (select(_newest.id).where(_newest.user_id == bindparam("user_id"))
              .order_by(_newest.reviewed_at.desc(), _newest.id.desc()).limit(1).scalar_subquery())


@cache
def answer_for_feedback(kind: str) -> Any:
    """What the feedback page shows, in one statement: the learner's answer `log_id`, the id of their newest
    answer, the answer's card with its question, topic and pack, and whether the viewer may still study that pack."""
    return (select(ReviewLog, _NEWEST_ID, Card, visible_condition(kind).label("visible"))
            .join(Card, Card.id == ReviewLog.card_id).join(Card.question).join(Question.pack)
            .where(ReviewLog.id == bindparam("log_id"), ReviewLog.user_id == bindparam("user_id"))
            .options(contains_eager(Card.question).contains_eager(Question.pack),
                     contains_eager(Card.question).joinedload(Question.topic)))


# An answer's writes (reviews._write_answer), in Core: the learner's new state of a card; the next state of a card
# state read at version `read`, only if it still is at that version (optimistic locking); the answer's row.
_states, _logs = CardState.__table__, ReviewLog.__table__
STATE_COLUMNS = ("fsrs_state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses", "suspended")
LOG_COLUMNS = tuple(column.key for column in _logs.columns if column.key != "id")
NEW_STATE = insert(_states)
NEXT_STATE = (update(_states).where(_states.c.id == bindparam("state_id"), _states.c.version == bindparam("read"))
              .values(version=bindparam("read") + 1, **{key: bindparam(key) for key in STATE_COLUMNS}))
NEW_LOG = insert(_logs).returning(_logs.c.id)
