"""FSRS scheduling and study days: pure functions over plain values, wrapping the `fsrs` package.

A card's scheduling state travels as a `StateDict` (what `ReviewLog.state_before/state_after` store and what
`CardState` columns hold): FSRS's own fields plus reps, lapses and suspension. No database, no request.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fsrs

LEECH_LAPSES = 8  # lapses after which a card is suspended as a leech (Anki's default)
LEARN_AHEAD = timedelta(minutes=20)  # learning cards due this soon are shown when nothing else is due

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
STATE_NAMES = {1: "Learning", 2: "Review", 3: "Relearning"}


class StateDict(TypedDict):
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: str
    last_review: str | None
    reps: int
    lapses: int
    suspended: bool


def make_scheduler(desired_retention: float = 0.9, fuzz: bool = True) -> fsrs.Scheduler:
    return fsrs.Scheduler(desired_retention=desired_retention, enable_fuzzing=fuzz)


def as_utc(moment: datetime) -> datetime:
    """fsrs accepts only `timezone.utc` itself (not ZoneInfo('UTC')); normalise any aware datetime to it."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use aware UTC datetimes")
    return moment.astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    return None if text is None else as_utc(datetime.fromisoformat(text))


def new_state(now: datetime, card_id: int = 0) -> StateDict:
    """The state of a card never answered: FSRS has no New state, a new card is Learning step 0."""
    return {"state": fsrs.State.Learning.value, "step": 0, "stability": None, "difficulty": None,
            "due": iso(now), "last_review": None, "reps": 0, "lapses": 0, "suspended": False}  # type: ignore[typeddict-item]


def to_fsrs(state: StateDict, card_id: int) -> fsrs.Card:
    return fsrs.Card(card_id=card_id, state=fsrs.State(state["state"]), step=state["step"],
                     stability=state["stability"], difficulty=state["difficulty"],
                     due=parse_iso(state["due"]), last_review=parse_iso(state["last_review"]))


@dataclass(frozen=True)
class Outcome:
    state: StateDict
    lapsed: bool  # a card in Review was forgotten
    became_leech: bool  # this answer suspended the card


def review(scheduler: fsrs.Scheduler, before: StateDict | None, rating: int, at: datetime, card_id: int,
           response_ms: int | None = None) -> Outcome:
    """Apply one rating to a state (None: a new card) and return the new state. Input untouched."""
    at = as_utc(at)
    start = before if before is not None else new_state(at, card_id)
    card, _log = scheduler.review_card(to_fsrs(start, card_id), fsrs.Rating(rating), review_datetime=at,
                                       review_duration=response_ms)
    lapsed = start["state"] == fsrs.State.Review.value and rating == fsrs.Rating.Again.value
    lapses = start["lapses"] + (1 if lapsed else 0)
    became_leech = lapsed and lapses >= LEECH_LAPSES and not start["suspended"]
    after: StateDict = {
        "state": card.state.value, "step": card.step, "stability": card.stability, "difficulty": card.difficulty,
        "due": iso(card.due), "last_review": iso(card.last_review),  # type: ignore[typeddict-item]
        "reps": start["reps"] + 1, "lapses": lapses, "suspended": start["suspended"] or became_leech,
    }
    return Outcome(after, lapsed, became_leech)


def preview(scheduler: fsrs.Scheduler, before: StateDict | None, at: datetime, card_id: int) -> dict[int, timedelta]:
    """The interval each rating would give (for the rating buttons), without fuzz."""
    plain = fsrs.Scheduler(parameters=scheduler.parameters, desired_retention=scheduler.desired_retention,
                           enable_fuzzing=False)
    return {rating: parse_iso(review(plain, before, rating, at, card_id).state["due"]) - as_utc(at)  # type: ignore[operator]
            for rating in RATING_NAMES}


def retrievability(scheduler: fsrs.Scheduler, state: StateDict, card_id: int, at: datetime) -> float:
    """The probability of recall now, in [0, 1]. A stored stability that is not a positive finite number
    (rows written before imports were checked) counts as forgotten, never as a division by zero."""
    stability = state["stability"]
    if stability is None or state["last_review"] is None or not math.isfinite(stability) or stability <= 0:
        return 0.0
    value = scheduler.get_card_retrievability(to_fsrs(state, card_id), current_datetime=as_utc(at))
    return min(1.0, max(0.0, value)) if math.isfinite(value) else 0.0


def format_interval(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 31:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30.4:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


# --- study days ----------------------------------------------------------------------------------------------

def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def study_date(moment: datetime, tz_name: str, rollover_hour: int) -> date:
    """The learner's study day a moment belongs to: the local date, moved back before the rollover hour."""
    local = as_utc(moment).astimezone(zone(tz_name))
    return (local - timedelta(hours=rollover_hour)).date()


def day_start(day: date, tz_name: str, rollover_hour: int) -> datetime:
    """When a study day starts, in UTC (the rollover hour on that local date; DST-safe)."""
    local = datetime.combine(day, time(rollover_hour), tzinfo=zone(tz_name))
    return local.astimezone(timezone.utc)


def day_bounds(moment: datetime, tz_name: str, rollover_hour: int) -> tuple[datetime, datetime]:
    day = study_date(moment, tz_name, rollover_hour)
    return day_start(day, tz_name, rollover_hour), day_start(day + timedelta(days=1), tz_name, rollover_hour)


def state_from_columns(row: Any) -> StateDict:
    """Read a `CardState` row (or anything with its attributes) into a StateDict."""
    return {"state": row.fsrs_state, "step": row.step, "stability": row.stability, "difficulty": row.difficulty,
            "due": iso(row.due), "last_review": iso(row.last_review), "reps": row.reps,  # type: ignore[typeddict-item]
            "lapses": row.lapses, "suspended": row.suspended}


def columns_from_state(state: StateDict) -> dict[str, Any]:
    return {"fsrs_state": state["state"], "step": state["step"], "stability": state["stability"],
            "difficulty": state["difficulty"], "due": parse_iso(state["due"]),
            "last_review": parse_iso(state["last_review"]), "reps": state["reps"], "lapses": state["lapses"],
            "suspended": state["suspended"]}
