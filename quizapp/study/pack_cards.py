"""Each pack's active cards in authored order, cached per process: the study queue reads them on every page.

The list changes only when the pack's content does (a publish, a content build, a rollback), and every such
change writes a new `Pack.content_stamp` in the same transaction (`quizapp.models.bank._stamp_changed_packs`). An
entry is keyed by (pack id, created_at, content_stamp) as read from the database in the request itself: the
caller passes the `Pack` row it has just loaded (the visibility check loads it anyway), so validating the entry
costs no query of its own. A stamp read after a publish committed differs from every cached key, on every
worker and every server, and the cards are read again -- in one statement together with the stamp they belong
to, so an entry can never pair a stamp with the cards of another version. Bounded (least recently used out),
one cache per database engine (tests run many apps in one process), safe across threads (gthread workers).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import Card, Pack, Question, Topic
from quizapp.study.learning_order import interleave

MAX_PACKS = 512  # entries per process; one is a few KB even for a pack of thousands of cards


@dataclass(frozen=True)
class PackCards:
    cards: tuple[tuple[int, int], ...]  # (card id, question id) in learning order (quizapp.study.learning_order)
    low: int  # the smallest and largest card id (0, -1 when there are none): the card-state query's range
    high: int

    # Derived once per cached entry (the study queue reads them on every page: quizapp/study/queue.py)
    @cached_property
    def question_of(self) -> dict[int, int]:
        """card id -> its question's id, for the pack's active cards"""
        return dict(self.cards)

    @cached_property
    def cards_of_question(self) -> dict[int, tuple[int, ...]]:
        siblings: dict[int, list[int]] = {}
        for card_id, question_id in self.cards:
            siblings.setdefault(question_id, []).append(card_id)
        return {question_id: tuple(cards) for question_id, cards in siblings.items()}


class _Cache:
    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], PackCards] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...]) -> PackCards | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple[Any, ...], entry: PackCards) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_caches: weakref.WeakKeyDictionary[Any, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_of(session: Session) -> _Cache:
    engine = session.get_bind()
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = _Cache(MAX_PACKS)
        return cache


def _key(pack_id: int, created_at: Any, stamp: str) -> tuple[Any, ...]:
    return (pack_id, created_at, stamp)


def _load(session: Session, pack: Pack) -> tuple[tuple[Any, ...] | None, PackCards]:
    """The pack's active cards and the key (stamp) they belong to, read in one statement (one snapshot);
    no key when there are no cards (no row carries the stamp)."""
    rows = session.execute(
        select(Card.id, Card.question_id, Pack.content_stamp, Pack.created_at, Question.topic_id, Question.qtype)
        .join(Question, Question.id == Card.question_id).join(Topic, Topic.id == Question.topic_id)
        .join(Pack, Pack.id == Question.pack_id)
        .where(Question.pack_id == pack.id, Question.retired_at.is_(None), Card.retired_at.is_(None))
        .order_by(Topic.position, Question.position, Card.position, Card.id)).all()
    # Only new cards follow this order (the others are ordered by due date): interleaved topics, simulator early.
    cards = tuple(interleave(((row[0], row[1]), row[4], row[5] == "sim") for row in rows))
    ids = [card_id for card_id, _ in cards]
    entry = PackCards(cards, min(ids, default=0), max(ids, default=-1))
    return (_key(pack.id, rows[0][3], rows[0][2]) if rows else None), entry


def pack_cards(session: Session, pack: Pack) -> PackCards:
    """The active cards of `pack` (a row loaded in this request), from the cache when its stamp is current."""
    cache = cache_of(session)
    entry = cache.get(_key(pack.id, pack.created_at, pack.content_stamp))
    if entry is not None:
        return entry
    key, entry = _load(session, pack)
    # Stamps are random: one written by a transaction that later rolls back is never seen again, so even an
    # entry read inside such a transaction is never served for other content.
    if key is not None:
        cache.put(key, entry)
    return entry
