"""The order new cards are introduced in: the pack's learning order, interleaved. Pure: no database.

Rule (docs/study.md, "New cards"):
- topics come in the pack's learning order (front matter `learning_order:`, ties by file name), questions and
  cards in the order authored within their topic;
- two topics are open at a time and alternate card by card; when one runs out the next topic opens, so a
  learner meets the pack in order but never 20 cards of one topic in a row (interleaving helps telling similar
  things apart);
- every SIM_EVERY-th new card is the next simulator question (the simulator's questions also in learning order),
  so the first session of 20 new cards has four: tracing a packet is the point of the pack, not a reward at
  card 198.
"""
from __future__ import annotations

from collections import deque
from typing import Hashable, Iterable, TypeVar

T = TypeVar("T")

OPEN_TOPICS = 2
SIM_EVERY = 5


def interleave(cards: Iterable[tuple[T, Hashable, bool]], open_topics: int = OPEN_TOPICS,
               sim_every: int = SIM_EVERY) -> list[T]:
    """`cards`: (card, topic, is simulator question) in authored order (topics in learning order)."""
    topics: dict[Hashable, deque[T]] = {}
    sims: deque[T] = deque()
    for card, topic, is_sim in cards:
        (sims if is_sim else topics.setdefault(topic, deque())).append(card)
    waiting: deque[deque[T]] = deque(topics.values())
    opened: deque[deque[T]] = deque()
    order: list[T] = []
    while True:
        if sims and (len(order) + 1) % sim_every == 0:
            order.append(sims.popleft())
            continue
        while len(opened) < open_topics and waiting:
            opened.append(waiting.popleft())
        if not opened:
            order.extend(sims)
            return order
        topic = opened.popleft()
        order.append(topic.popleft())
        if topic:
            opened.append(topic)

