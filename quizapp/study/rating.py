"""The rating an answer suggests: wrong is Again; right is Good, Easy when fast, Hard when slow.

Thresholds are per question type, in seconds from showing the question to submitting the answer
(documented in docs/study.md). The learner may change the rating on the feedback page.
"""
from __future__ import annotations

from dataclasses import dataclass

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@dataclass(frozen=True)
class Thresholds:
    fast: float  # at or under: Easy
    slow: float  # at or over: Hard


THRESHOLDS: dict[str, Thresholds] = {
    "flashcard": Thresholds(fast=5, slow=20),  # includes reading the back
    "truefalse": Thresholds(fast=5, slow=20),
    "single": Thresholds(fast=8, slow=30),
    "short": Thresholds(fast=10, slow=40),
    "cloze": Thresholds(fast=10, slow=40),
    "multiple": Thresholds(fast=12, slow=45),
    "ordering": Thresholds(fast=20, slow=75),
    "matching": Thresholds(fast=20, slow=75),
    "sim": Thresholds(fast=30, slow=120),
}
DEFAULT = Thresholds(fast=10, slow=40)


def suggested_rating(qtype: str, correct: bool, response_ms: int | None) -> int:
    if not correct:
        return AGAIN
    if response_ms is None:
        return GOOD
    limits = THRESHOLDS.get(qtype, DEFAULT)
    seconds = response_ms / 1000
    if seconds <= limits.fast:
        return EASY
    if seconds >= limits.slow:
        return HARD
    return GOOD
