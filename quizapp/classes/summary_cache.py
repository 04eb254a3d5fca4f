"""The class-wide figures of a big class, kept for a minute.

The class page of a class that spans several pages shows one page of learners (read live, ~30,000 card states
for 100 learners x 300 cards) and two summaries over every learner: the class's mastery per topic (the table's
footer: FSRS retrievability of every card state, 300,000 of them for 1,000 learners x 300 cards) and the
per-question view (the running answer totals of every learner and card, plus the common wrong answers of the
questions listed). Those two are nine tenths of the page's database work and change slowly: they are computed at
most once per `TTL_S` per class (and per worker process), and the page says when they were computed, as course
analytics pages do. A class that fits on one page is summed from its rows, always live.

The key holds what changes the figures' shape: the class, whether imported progress counts, the topics with
their live card counts (assigning or removing a pack, a rebuild changing a count) and the number of learners
(joining, leaving, removal): any of these changing recomputes at once. New answers, the passing of time and a
rebuild that only edits questions (their titles in the per-question view) show within `TTL_S`.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Hashable

TTL_S = 60.0
MAX_CLASSES = 256  # per worker; a summary is a few hundred small rows


@dataclass(frozen=True)
class Summary:
    computed_at: datetime
    class_recall: dict[int, float]  # topic id -> sum of retrievability over every learner
    questions: list  # QuestionRow, most missed first (shared between views: never changed after computing)


class SummaryCache:
    def __init__(self, ttl_s: float = TTL_S, max_classes: int = MAX_CLASSES,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl_s, self.max_classes, self.clock = ttl_s, max_classes, clock
        self._entries: OrderedDict[Hashable, tuple[float, Summary]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Summary]) -> Summary:
        """The summary stored under `key` if younger than the TTL, else `compute()`'s (stored)."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self.ttl_s:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
        summary = compute()  # outside the lock: a slow computation does not hold other classes' views
        with self._lock:
            self.misses += 1
            self._entries[key] = (now, summary)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_classes:
                self._entries.popitem(last=False)
        return summary

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
