"""The scheduler service against `fsrs` itself, ratings from answers, and study days across time zones."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import fsrs
import pytest

from quizapp.study import scheduler as sched
from quizapp.study.rating import AGAIN, EASY, GOOD, HARD, suggested_rating

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)


def plain() -> fsrs.Scheduler:
    return sched.make_scheduler(0.9, fuzz=False)


def test_review_matches_fsrs_review_card_step_by_step():
    ratings = [GOOD, GOOD, GOOD, AGAIN, HARD, GOOD, EASY, GOOD]
    ours, state, at = plain(), None, T0
    reference, card = fsrs.Scheduler(enable_fuzzing=False), fsrs.Card(card_id=7)
    for rating in ratings:
        state = sched.review(ours, state, rating, at, 7).state
        card, _ = reference.review_card(card, fsrs.Rating(rating), review_datetime=at)
        assert state["state"] == card.state.value
        assert state["step"] == card.step
        assert state["stability"] == card.stability
        assert state["difficulty"] == card.difficulty
        assert sched.parse_iso(state["due"]) == card.due
        assert sched.parse_iso(state["last_review"]) == card.last_review
        at = card.due
    assert state["reps"] == len(ratings)
    assert state["lapses"] == 1


def test_intervals_grow_after_right_answers_and_reset_after_a_lapse():
    s, state, at = plain(), None, T0
    intervals = []
    for _ in range(7):
        state = sched.review(s, state, GOOD, at, 1).state
        due = sched.parse_iso(state["due"])
        intervals.append(due - at)
        at = due
    review_intervals = intervals[2:]  # the two learning steps come first
    assert state["state"] == fsrs.State.Review.value
    assert all(later > earlier for earlier, later in zip(review_intervals, review_intervals[1:]))
    assert review_intervals[-1] > timedelta(days=30)
    stability = state["stability"]
    outcome = sched.review(s, state, AGAIN, at, 1)
    assert outcome.lapsed and outcome.state["lapses"] == 1
    assert outcome.state["state"] == fsrs.State.Relearning.value
    assert sched.parse_iso(outcome.state["due"]) - at == timedelta(minutes=10)
    assert outcome.state["stability"] < stability


def test_desired_retention_changes_intervals():
    def interval(retention: float) -> timedelta:
        s, state, at = sched.make_scheduler(retention, fuzz=False), None, T0
        for _ in range(4):
            state = sched.review(s, state, GOOD, at, 1).state
            at = sched.parse_iso(state["due"])
        return sched.parse_iso(sched.review(s, state, GOOD, at, 1).state["due"]) - at

    assert interval(0.8) > interval(0.9) > interval(0.95)


def test_eighth_lapse_makes_a_leech():
    s, state, at = plain(), None, T0
    leeches = []
    for _ in range(9):
        while state is None or state["state"] != fsrs.State.Review.value:  # climb back to Review
            state = sched.review(s, state, GOOD, at, 1).state
            at = sched.parse_iso(state["due"])
        outcome = sched.review(s, state, AGAIN, at, 1)
        leeches.append(outcome.became_leech)
        state = outcome.state
        at = sched.parse_iso(state["due"])
    assert leeches == [False] * 7 + [True, False]
    assert state["lapses"] == 9 and state["suspended"]


def test_input_state_is_not_modified():
    state = sched.review(plain(), None, GOOD, T0, 1).state
    copy = dict(state)
    sched.review(plain(), state, AGAIN, T0 + timedelta(minutes=10), 1)
    assert state == copy


def test_preview_gives_increasing_intervals_per_rating():
    intervals = sched.preview(plain(), None, T0, 1)
    assert intervals[AGAIN] < intervals[HARD] <= intervals[GOOD] < intervals[EASY]


QTYPES = ("flashcard", "truefalse", "single", "short", "cloze", "multiple", "ordering", "matching", "sim")


@pytest.mark.parametrize("qtype", QTYPES)
def test_right_is_good_and_time_never_makes_it_easy_or_hard(qtype):
    assert suggested_rating(qtype, False, 100) == AGAIN
    for milliseconds in (1, 400, 2_000, 60_000, 3_600_000, None):
        assert suggested_rating(qtype, True, milliseconds) == GOOD
        assert suggested_rating(qtype, False, milliseconds) == AGAIN


def test_format_interval():
    assert sched.format_interval(timedelta(minutes=1)) == "1m"
    assert sched.format_interval(timedelta(hours=3)) == "3h"
    assert sched.format_interval(timedelta(days=12)) == "12d"
    assert sched.format_interval(timedelta(days=365 * 2)) == "2y"


# --- study days ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("moment, tz, hour, expected", [
    # Tokyo is UTC+9: 18:00 UTC is 03:00 the next local day, still before a 04:00 rollover.
    (datetime(2025, 1, 1, 18, 0, tzinfo=timezone.utc), "Asia/Tokyo", 4, date(2025, 1, 1)),
    (datetime(2025, 1, 1, 19, 30, tzinfo=timezone.utc), "Asia/Tokyo", 4, date(2025, 1, 2)),
    # New York is UTC-5 in January: 03:30 UTC is 22:30 the evening before.
    (datetime(2025, 1, 2, 3, 30, tzinfo=timezone.utc), "America/New_York", 4, date(2025, 1, 1)),
    (datetime(2025, 1, 2, 9, 30, tzinfo=timezone.utc), "America/New_York", 4, date(2025, 1, 2)),
    # Rollover at midnight: the plain local date.
    (datetime(2025, 1, 1, 23, 30, tzinfo=timezone.utc), "Europe/Berlin", 0, date(2025, 1, 2)),
    (datetime(2025, 1, 1, 23, 30, tzinfo=timezone.utc), "UTC", 0, date(2025, 1, 1)),
    # An unknown zone falls back to UTC.
    (datetime(2025, 1, 1, 3, 0, tzinfo=timezone.utc), "Mars/Olympus", 4, date(2024, 12, 31)),
])
def test_study_date_across_time_zones(moment, tz, hour, expected):
    assert sched.study_date(moment, tz, hour) == expected


def test_day_bounds_follow_daylight_saving():
    # New York springs forward at 02:00 on 2025-03-09: the study day of March 8 (04:00 EST to 04:00 EDT)
    # lasts 23 hours. 05:00 UTC on March 9 is midnight local, before the rollover: still March 8.
    start, end = sched.day_bounds(datetime(2025, 3, 9, 5, 0, tzinfo=timezone.utc), "America/New_York", 4)
    assert start == datetime(2025, 3, 8, 9, 0, tzinfo=timezone.utc)
    assert end == datetime(2025, 3, 9, 8, 0, tzinfo=timezone.utc)
    assert end - start == timedelta(hours=23)
    # Berlin falls back at 03:00 on 2025-10-26: the study day of October 25 lasts 25 hours.
    start, end = sched.day_bounds(datetime(2025, 10, 25, 12, 0, tzinfo=timezone.utc), "Europe/Berlin", 4)
    assert end - start == timedelta(hours=25)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        sched.review(plain(), None, GOOD, datetime(2025, 1, 1), 1)
