"""The study queue's two walks agree: one pack's queue walks the learner's states and today's questions
(`_sort_pack`), focus sessions and the all-packs queue walk every card (`_sort_every_card`). On random packs and
learners both give the same next card, the same counts and the same next due date."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.study.pack_cards import PackCards
from quizapp.study.queue import REVIEW, Today, _sort_every_card, _sort_pack, queue_of

NOW = datetime(2026, 5, 5, 10, 0, tzinfo=timezone.utc)
END = NOW + timedelta(hours=18)


@st.composite
def learners(draw):
    questions = draw(st.lists(st.integers(1, 3), min_size=0, max_size=25))  # cards per question
    cards, card_id = [], 100
    for question_id, size in enumerate(questions, start=1):
        for _ in range(size):
            card_id += draw(st.integers(1, 3))  # gaps: another pack's cards inside the id range
            cards.append((card_id, question_id))
    cards = draw(st.permutations(cards))  # the learning order is not the id order
    ids = [card for card, _ in cards]
    outsiders = [card + 1 for card in ids if card + 1 not in ids][:3]  # states of other packs' cards
    held = draw(st.lists(st.sampled_from(ids + outsiders), unique=True)) if ids or outsiders else []
    states = {card: SimpleNamespace(fsrs_state=draw(st.sampled_from([1, REVIEW, 3])),
                                    due=NOW + timedelta(minutes=draw(st.integers(-2000, 3000))),
                                    suspended=draw(st.booleans()) and draw(st.booleans()))
              for card in held}
    hidden = set(draw(st.lists(st.sampled_from(ids + outsiders), unique=True))) if ids or outsiders else set()
    answered = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    question_of = dict(cards)
    today = Today(frozenset(answered), frozenset(question_of[card] for card in answered) | {999}, 0, 0,
                  len(answered))
    limits = (draw(st.integers(0, 30)), draw(st.integers(0, 30)))
    return PackCards(tuple(cards), min(ids, default=0), max(ids, default=-1)), states, hidden, today, limits


@settings(max_examples=400, deadline=None)
@given(learners())
def test_the_pack_walk_gives_the_queue_of_the_walk_over_every_card(learner):
    listed, states, hidden, today, (new_left, reviews_left) = learner
    every = queue_of(_sort_every_card(listed.cards, states, hidden, today, None, NOW, END), new_left,
                     reviews_left, today.done)
    pack = queue_of(_sort_pack(listed, states, hidden, today, NOW, END), new_left, reviews_left, today.done)
    assert pack == every
