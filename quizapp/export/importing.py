"""Importing a progress export without trusting it.

A file is evidence of answers given elsewhere, not of a memory state: every field is checked (a problem names
its JSON path), only cards of packs the learner may study are found (a card that does not exist and one in a
pack the learner may not see get the same message), and each card's state is rebuilt by replaying the file's
answers through the FSRS scheduler -- the states written in the file (`card_states[].state`,
`reviews[].state_before/state_after`) are never taken, only a card's `suspended` flag. Answers are stored marked
`imported` (and the states they shaped `from_import`), which class reports leave out unless the instructor
counts imported progress. A card the learner answered here after the file's first new answer is kept as it is
(never rolled back); `plan_import` says what would change, without writing, so the page can show it first.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from quizapp.access import pack_visible_to
from quizapp.models import Card, CardState, Pack, Question, ReviewLog, User, utcnow
from quizapp.study import scheduler as sched

FORMAT = "quizapp-progress"
VERSION = 1
MAX_REVIEWS = 20_000  # a learner's year of heavy study; replaying them takes about a second
MAX_CARD_STATES = 20_000
MAX_ANSWER_BYTES = 10_000
MAX_DEPTH = 16  # nesting of an answer (the deepest real one, a matching answer, is 2)
MAX_RESPONSE_MS = 24 * 3600 * 1000
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
CLOCK_SKEW = timedelta(minutes=5)  # answers may not be later than now (plus this)
INT32 = 2**31 - 1

CardKey = tuple[str, str, str]  # (pack slug, question slug, card key)


class ImportProblem(ValueError):
    """The document cannot be imported; `problems` lists every reason found (each starting with a JSON path)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        self.problems = problems


# --- reading the document ---------------------------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _settings_checks() -> dict[str, tuple[Any, str]]:
    from quizapp.auth.forms import TIMEZONES  # the account form's own choices

    return {
        "desired_retention": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                              and math.isfinite(v) and 0.7 <= v <= 0.97, "a number from 0.70 to 0.97"),
        "new_per_day": (lambda v: _is_int(v) and 0 <= v <= 1000, "a whole number from 0 to 1000"),
        "reviews_per_day": (lambda v: _is_int(v) and 0 <= v <= 10000, "a whole number from 0 to 10000"),
        "timezone": (lambda v: isinstance(v, str) and v in TIMEZONES, "a time zone name such as Europe/Paris"),
        "rollover_hour": (lambda v: _is_int(v) and 0 <= v <= 23, "a whole number from 0 to 23"),
    }


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of a JSON value, counting no further than `limit + 1` (iterative: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level > limit:
                return level
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _key(item: dict[str, Any], where: str, problems: list[str]) -> CardKey | None:
    ok = True
    for name, longest in (("pack", 100), ("question", 100), ("card", 40)):
        value = item.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= longest:
            problems.append(_('%(where)s.%(name)s: must be text of 1 to %(longest)s characters', where=where, name=name, longest=longest))
            ok = False
    return (item["pack"], item["question"], item["card"]) if ok else None


def _moment(value: Any, where: str, problems: list[str], now: datetime) -> datetime | None:
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        moment = sched.as_utc(moment)
    except (ValueError, OverflowError):
        problems.append(_('%(where)s: must be an ISO 8601 time with a time zone, e.g. 2026-05-01T09:30:00+00:00', where=where))
        return None
    if not EARLIEST <= moment <= now + CLOCK_SKEW:
        problems.append(_('%(where)s: %(value)s is before 2000 or in the future', where=where, value=value))
        return None
    return moment


@dataclass(frozen=True)
class ImportedReview:
    key: CardKey
    reviewed_at: datetime
    rating: int
    suggested_rating: int | None
    answer: Any
    correct: bool
    response_ms: int | None
    variant_seed: int | None
    content_hash: str


def _review(item: Any, where: str, problems: list[str], now: datetime) -> ImportedReview | None:
    if not isinstance(item, dict):
        problems.append(_('%(where)s: must be an object', where=where))
        return None
    before = len(problems)
    key = _key(item, where, problems)
    reviewed_at = _moment(item.get("reviewed_at"), f"{where}.reviewed_at", problems, now)
    rating, suggested = item.get("rating"), item.get("suggested_rating")
    if not (_is_int(rating) and 1 <= rating <= 4):
        problems.append(_('%(where)s.rating: must be a whole number from 1 (Again) to 4 (Easy)', where=where))
    if suggested is not None and not (_is_int(suggested) and 1 <= suggested <= 4):
        problems.append(_('%(where)s.suggested_rating: must be null or a whole number from 1 to 4', where=where))
    if not isinstance(item.get("correct"), bool):
        problems.append(_('%(where)s.correct: must be true or false', where=where))
    response_ms = item.get("response_ms")
    if response_ms is not None and not (_is_int(response_ms) and 0 <= response_ms <= MAX_RESPONSE_MS):
        problems.append(_('%(where)s.response_ms: must be null or a whole number of milliseconds up to one day', where=where))
    seed = item.get("variant_seed")
    if seed is not None and not (_is_int(seed) and -INT32 - 1 <= seed <= INT32):
        problems.append(_('%(where)s.variant_seed: must be null or a 32-bit whole number', where=where))
    content_hash = item.get("content_hash")
    if content_hash is not None and not (isinstance(content_hash, str) and len(content_hash) <= 64):
        problems.append(_('%(where)s.content_hash: must be null or text of up to 64 characters', where=where))
    answer = item.get("answer")
    if depth(answer) > MAX_DEPTH:
        problems.append(_('%(where)s.answer: nested more than %(most)s levels deep', where=where, most=MAX_DEPTH))
    else:
        try:
            if len(json.dumps(answer, ensure_ascii=False, allow_nan=False)) > MAX_ANSWER_BYTES:
                problems.append(_('%(where)s.answer: longer than %(most)s characters', where=where, most=MAX_ANSWER_BYTES))
        except (ValueError, TypeError):
            problems.append(_('%(where)s.answer: must be plain JSON (no NaN or Infinity)', where=where))
    if len(problems) > before or key is None or reviewed_at is None:
        return None
    return ImportedReview(key, reviewed_at, rating, suggested, answer, item["correct"], response_ms, seed,
                          content_hash or "")


@dataclass
class Document:
    settings: dict[str, Any]
    reviews: list[ImportedReview]
    suspended: dict[CardKey, bool]


def read_document(document: Any, now: datetime | None = None) -> Document:
    """Check every field of a parsed export; raises ImportProblem listing each problem with its JSON path."""
    now = sched.as_utc(now or utcnow())
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportProblem([_('$.format: not a quizapp progress export (expected "format": "%(format)s")', format=FORMAT)])
    if document.get("version") != VERSION:
        raise ImportProblem([_("$.version: export version %(version)r is not supported (this server reads %(supported)s)",
                               version=str(document.get("version"))[:20], supported=VERSION)])
    states, logs = document.get("card_states", []), document.get("reviews")
    problems: list[str] = []
    if not isinstance(logs, list):
        raise ImportProblem([_("$.reviews: must be a list of answers")])
    if not isinstance(states, list):
        raise ImportProblem([_("$.card_states: must be a list")])
    if len(logs) > MAX_REVIEWS or len(states) > MAX_CARD_STATES:
        raise ImportProblem([_("$.reviews: at most %(reviews)s answers and %(states)s card states per import (this "
                               "file has %(logs)s and %(file_states)s); split it by pack", reviews=MAX_REVIEWS,
                               states=MAX_CARD_STATES, logs=len(logs), file_states=len(states))])
    settings: dict[str, Any] = {}
    learner = document.get("learner", {})
    raw_settings = learner.get("settings", {}) if isinstance(learner, dict) else None
    if not isinstance(raw_settings, dict):
        problems.append(_('$.learner.settings: must be an object'))
        raw_settings = {}
    for name, (valid, wanted) in _settings_checks().items():
        if name in raw_settings:
            if valid(raw_settings[name]):
                settings[name] = raw_settings[name]
            else:
                problems.append(_('$.learner.settings.%(name)s: must be %(wanted)s', name=name, wanted=wanted))
    reviews = [r for index, item in enumerate(logs)
               if (r := _review(item, f"$.reviews[{index}]", problems, now)) is not None]
    suspended: dict[CardKey, bool] = {}
    for index, item in enumerate(states):
        where = f"$.card_states[{index}]"
        if not isinstance(item, dict):
            problems.append(_('%(where)s: must be an object', where=where))
            continue
        key = _key(item, where, problems)
        state = item.get("state")
        if not isinstance(state, dict) or not isinstance(state.get("suspended", False), bool):
            problems.append(_('%(where)s.state.suspended: must be true or false (the rest of a state is recomputed from the answers)', where=where))
        elif key is not None:
            suspended[key] = state.get("suspended", False)
    if problems:
        raise ImportProblem(problems[:200] + ([_("... and %(count)s more", count=len(problems) - 200)]
                                              if len(problems) > 200 else []))
    return Document(settings, reviews, suspended)


# --- planning and applying --------------------------------------------------------------------------------

@dataclass
class CardChange:
    key: CardKey
    card_id: int
    action: str  # "new": no state here yet; "update": the file's newer answers continue it; "kept": newer here
    answers: int  # answers from the file added (kept: the file's answers left out)
    before: sched.StateDict | None
    after: sched.StateDict | None
    logs: list[dict[str, Any]] = field(default_factory=list)  # the review_logs rows to insert


@dataclass
class ImportPlan:
    settings: dict[str, tuple[Any, Any]]  # name -> (current, imported), only those that change
    changes: list[CardChange]
    already_present: int

    @property
    def answers_added(self) -> int:
        return sum(c.answers for c in self.changes if c.action != "kept")

    @property
    def kept(self) -> list[CardChange]:
        return [c for c in self.changes if c.action == "kept"]


def _visible_cards(session: Session, user: User, keys: set[CardKey]) -> dict[CardKey, int]:
    if not keys:
        return {}
    rows = session.execute(select(Card.id, Pack.slug, Question.slug, Card.card_key)
                           .join(Question, Question.id == Card.question_id).join(Pack, Pack.id == Question.pack_id)
                           .where(Pack.slug.in_({key[0] for key in keys}), pack_visible_to(user))).all()
    return {(pack, question, key): card_id for card_id, pack, question, key in rows}


def plan_import(session: Session, user: User, document: Any, now: datetime | None = None) -> ImportPlan:
    """What importing `document` would change for `user`; writes nothing. Raises ImportProblem."""
    doc = read_document(document, now)
    card_ids = _visible_cards(session, user, {r.key for r in doc.reviews} | set(doc.suspended))
    missing: dict[CardKey, int] = {}  # card -> index of its first answer (the list is in the file's order)
    for index, review in enumerate(doc.reviews):
        if review.key not in card_ids:
            missing.setdefault(review.key, index)
    if missing:  # the same words whether the pack does not exist or is private: no probing for ids
        raise ImportProblem([_("$.reviews[%(index)s]: card %(card)s is not available to you here (the pack is not "
                               "built on this server, or you may not study it); remove its answers or build the pack",
                               index=index, card="%s/%s#%s" % (p, q, c)) for (p, q, c), index in list(missing.items())[:50]])
    settings = {name: (getattr(user, name), value) for name, value in doc.settings.items()
                if getattr(user, name) != value}
    retention = doc.settings.get("desired_retention", user.desired_retention)
    scheduler = sched.make_scheduler(retention, fuzz=False)  # a replay must be reproducible
    existing = {row.card_id: row for row in session.scalars(
        select(CardState).where(CardState.user_id == user.id, CardState.card_id.in_(set(card_ids.values()))))}
    present = set(session.execute(select(ReviewLog.card_id, ReviewLog.reviewed_at).where(
        ReviewLog.user_id == user.id, ReviewLog.card_id.in_(set(card_ids.values())))).all())
    by_card: dict[int, list[ImportedReview]] = defaultdict(list)
    already = 0
    for review in sorted(doc.reviews, key=lambda r: r.reviewed_at):
        card_id = card_ids[review.key]
        if (card_id, review.reviewed_at) in present:
            already += 1
            continue
        present.add((card_id, review.reviewed_at))
        by_card[card_id].append(review)
    changes: list[CardChange] = []
    for card_id, reviews in by_card.items():
        row = existing.get(card_id)
        before = sched.state_from_columns(row) if row is not None else None
        key = reviews[0].key
        if row is not None and row.last_review is not None and reviews[0].reviewed_at <= row.last_review:
            changes.append(CardChange(key, card_id, "kept", len(reviews), before, before))
            continue
        change = CardChange(key, card_id, "new" if row is None else "update", len(reviews), before, None)
        state = before
        for review in reviews:
            after = sched.review(scheduler, state, review.rating, review.reviewed_at, card_id,
                                 review.response_ms).state
            change.logs.append({
                "user_id": user.id, "card_id": card_id, "reviewed_at": review.reviewed_at, "rating": review.rating,
                "suggested_rating": review.suggested_rating, "answer": review.answer, "correct": review.correct,
                "response_ms": review.response_ms, "state_before": state, "state_after": after,
                "variant_seed": review.variant_seed, "content_hash": review.content_hash, "imported": True})
            state = after
        if state is not None and doc.suspended.get(key):
            state = {**state, "suspended": True}
        change.after = state
        changes.append(change)
    changes.sort(key=lambda c: c.key)
    return ImportPlan(settings, changes, already)


def apply_import(session: Session, user: User, plan: ImportPlan) -> None:
    """Write a plan made in this transaction: the settings, the rebuilt card states and the marked answers."""
    for name, (_current, value) in plan.settings.items():
        setattr(user, name, value)
    existing = {row.card_id: row for row in session.scalars(select(CardState).where(
        CardState.user_id == user.id, CardState.card_id.in_([c.card_id for c in plan.changes])))}
    rows: list[dict[str, Any]] = []
    for change in plan.changes:
        if change.action == "kept" or change.after is None:
            continue
        columns = sched.columns_from_state(change.after)
        row = existing.get(change.card_id)
        if row is None:
            session.add(CardState(user_id=user.id, card_id=change.card_id, from_import=True, **columns))
        else:
            for name, value in columns.items():
                setattr(row, name, value)
            row.from_import = True
        rows.extend(change.logs)
    if rows:
        session.execute(insert(ReviewLog), rows)
    session.flush()
