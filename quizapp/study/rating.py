"""The rating an answer gets at submit: wrong is Again, right is Good. Hard and Easy are the learner's choice.

Answer time never turns a right answer into Easy (or Hard) by itself: a fast answer can be a lucky guess on a
true/false or single-choice card, and FSRS's own guidance is that Good is the normal rating for a right answer,
Hard and Easy being the learner's judgement of effort (see docs/study.md). The time is still stored and shown.
"""
from __future__ import annotations

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


def suggested_rating(qtype: str, correct: bool, response_ms: int | None) -> int:
    """Again for a wrong answer, Good for a right one, whatever the question type and however long it took."""
    return GOOD if correct else AGAIN
