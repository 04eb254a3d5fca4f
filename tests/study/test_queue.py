"""The study service on a real database: due order, daily limits, siblings, leeches, undo, rating changes,
reset, and day rollover in the learner's time zone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from quizapp.checking import check_answer
from quizapp.models import Card, CardState, Question, ReviewLog
from quizapp.study import reviews
from quizapp.study import scheduler as sched
from quizapp.study.rating import AGAIN, EASY, GOOD, HARD
from tests.conftest import response_for

NOW = datetime(2025, 5, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def learner(bank, make_user):
    return make_user(new_per_day=20, reviews_per_day=200, timezone="UTC", rollover_hour=4)


def card_by(db, slug: str, key: str = "main") -> Card:
    return db.session.scalar(select(Card).join(Question).where(Question.slug == slug, Card.card_key == key))


def answer(db, user, card, right=True, at=NOW, ms=15000):
    q = card.question
    response = response_for(card, right)
    result = check_answer(q.qtype, q.data, card.card_key, response)
    recorded = reviews.record_answer(db.session, user, card, response, result, ms, 42,
                                     sched.make_scheduler(user.desired_retention, fuzz=False), now=at)
    db.session.commit()
    return recorded


def put_state(db, user, card, **values):
    state = sched.new_state(NOW)
    state.update(values)
    row = CardState(user_id=user.id, card_id=card.id, **sched.columns_from_state(state))
    db.session.add(row)
    db.session.commit()
    return row


def test_first_card_is_the_first_authored_new_card(db, learner):
    queue = reviews.build_queue(db.session, learner, None, NOW)
    first = db.session.scalars(select(Card).order_by(Card.id)).first()
    assert queue.card_id is not None
    assert queue.counts.review == 0 and queue.counts.learning == 0
    assert queue.counts.new == db.session.scalar(select(func.count(Card.id)))
    assert db.session.get(Card, queue.card_id).question.topic.position == 0
    assert first is not None


def test_due_reviews_come_before_new_cards_oldest_first(db, learner):
    older = card_by(db, "default-service-type")
    newer = card_by(db, "nodeport-also-gets")
    put_state(db, learner, newer, state=2, stability=5.0, difficulty=5.0, step=None,
              due=sched.iso(NOW - timedelta(hours=1)), last_review=sched.iso(NOW - timedelta(days=5)))
    put_state(db, learner, older, state=2, stability=5.0, difficulty=5.0, step=None,
              due=sched.iso(NOW - timedelta(days=2)), last_review=sched.iso(NOW - timedelta(days=7)))
    queue = reviews.build_queue(db.session, learner, None, NOW)
    assert queue.card_id == older.id
    assert queue.counts.review == 2
    answer(db, learner, older)
    assert reviews.build_queue(db.session, learner, None, NOW + timedelta(seconds=5)).card_id == newer.id


def test_learning_cards_due_now_come_first(db, learner):
    review_card = card_by(db, "default-service-type")
    put_state(db, learner, review_card, state=2, stability=5.0, difficulty=5.0, step=None,
              due=sched.iso(NOW - timedelta(days=1)), last_review=sched.iso(NOW - timedelta(days=6)))
    learning = card_by(db, "containerport-opens-port")
    put_state(db, learner, learning, state=1, step=1, stability=2.0, difficulty=5.0,
              due=sched.iso(NOW - timedelta(minutes=1)), last_review=sched.iso(NOW - timedelta(minutes=11)))
    assert reviews.build_queue(db.session, learner, None, NOW).card_id == learning.id


def test_reviews_due_later_today_count_but_tomorrows_do_not(db, learner):
    today = card_by(db, "default-service-type")
    tomorrow = card_by(db, "nodeport-also-gets")
    base = dict(state=2, stability=5.0, difficulty=5.0, step=None, last_review=sched.iso(NOW - timedelta(days=5)))
    put_state(db, learner, today, due=sched.iso(NOW + timedelta(hours=12)), **base)  # before the 04:00 rollover
    put_state(db, learner, tomorrow, due=sched.iso(NOW + timedelta(hours=20)), **base)  # after it
    learner.new_per_day = 0
    db.session.commit()
    queue = reviews.build_queue(db.session, learner, None, NOW)
    assert queue.card_id == today.id and queue.counts.review == 1


def test_new_cards_per_day_limit(db, learner):
    learner.new_per_day = 2
    db.session.commit()
    seen = []
    for minute in range(2):
        queue = reviews.build_queue(db.session, learner, None, NOW + timedelta(minutes=minute))
        card = db.session.get(Card, queue.card_id)
        assert card.id not in seen
        seen.append(card.id)
        answer(db, learner, card, at=NOW + timedelta(minutes=minute))
    queue = reviews.build_queue(db.session, learner, None, NOW + timedelta(minutes=2))
    assert queue.counts.new == 0
    # learning cards of today may still come (within the learn-ahead window); no third new card does
    assert queue.card_id in (None, *seen)
    tomorrow = reviews.build_queue(db.session, learner, None, NOW + timedelta(days=1))
    assert tomorrow.counts.new == 2


def test_max_reviews_per_day_limit(db, learner):
    learner.reviews_per_day = 1
    learner.new_per_day = 0
    db.session.commit()
    base = dict(state=2, stability=5.0, difficulty=5.0, step=None, last_review=sched.iso(NOW - timedelta(days=5)))
    first, second = card_by(db, "default-service-type"), card_by(db, "nodeport-also-gets")
    put_state(db, learner, first, due=sched.iso(NOW - timedelta(days=1)), **base)
    put_state(db, learner, second, due=sched.iso(NOW - timedelta(hours=1)), **base)
    assert reviews.build_queue(db.session, learner, None, NOW).counts.review == 1
    answer(db, learner, first, ms=15000)
    queue = reviews.build_queue(db.session, learner, None, NOW + timedelta(seconds=10))
    assert queue.counts.review == 0 and queue.card_id != second.id


def test_siblings_are_not_shown_on_the_same_day(db, learner):
    front, back = card_by(db, "what-is-pod-ip", "front"), card_by(db, "what-is-pod-ip", "back")
    c1, c2 = card_by(db, "flannel-default-network", "c1"), card_by(db, "flannel-default-network", "c2")
    answer(db, learner, front)
    answer(db, learner, c1)
    later = NOW + timedelta(hours=1)
    offered = set()
    for _ in range(30):  # walk today's whole queue
        queue = reviews.build_queue(db.session, learner, None, later)
        if queue.card_id is None:
            break
        offered.add(queue.card_id)
        answer(db, learner, db.session.get(Card, queue.card_id), at=later)
        later += timedelta(hours=1)
        if later >= NOW + timedelta(hours=17):  # stay inside the study day (rollover 04:00 UTC)
            break
    assert back.id not in offered and c2.id not in offered
    next_day = reviews.build_queue(db.session, learner, None, NOW + timedelta(days=1))
    assert next_day.counts.new >= 2
    ids = []
    for _ in range(40):
        queue = reviews.build_queue(db.session, learner, None, NOW + timedelta(days=1))
        if queue.card_id is None:
            break
        ids.append(queue.card_id)
        answer(db, learner, db.session.get(Card, queue.card_id), at=NOW + timedelta(days=1))
    assert back.id in ids and c2.id in ids


def test_eighth_lapse_suspends_the_card_as_a_leech(db, learner, client, login):
    card = card_by(db, "default-service-type")
    put_state(db, learner, card, state=2, stability=3.0, difficulty=8.0, step=None, lapses=7, reps=20,
              due=sched.iso(NOW - timedelta(days=1)), last_review=sched.iso(NOW - timedelta(days=4)))
    recorded = answer(db, learner, card, right=False)
    assert recorded.outcome.became_leech
    row = reviews.card_state(db.session, learner, card.id)
    assert row.suspended and row.lapses == 8
    assert reviews.build_queue(db.session, learner, None, NOW + timedelta(days=30)).card_id != card.id
    login()
    page = client.get(f"/reviews/{recorded.log.id}").get_data(as_text=True)
    assert "suspended as a leech" in page


def snapshot(row: CardState | None):
    return None if row is None else sched.state_from_columns(row)


def test_undo_restores_the_exact_previous_state(db, learner):
    card = card_by(db, "default-service-type")
    first = answer(db, learner, card, right=True, ms=20000)
    before = snapshot(reviews.card_state(db.session, learner, card.id))
    answer(db, learner, card, right=False, at=NOW + timedelta(minutes=12))
    assert snapshot(reviews.card_state(db.session, learner, card.id)) != before
    undone = reviews.undo_last(db.session, learner)
    db.session.commit()
    db.session.expire_all()
    assert undone.card_id == card.id and undone.seed == 42
    assert snapshot(reviews.card_state(db.session, learner, card.id)) == before
    assert [log.id for log in db.session.scalars(select(ReviewLog))] == [first.log.id]
    # undoing the first answer makes the card new again
    reviews.undo_last(db.session, learner)
    db.session.commit()
    assert reviews.card_state(db.session, learner, card.id) is None
    with pytest.raises(reviews.StudyError):
        reviews.undo_last(db.session, learner)


def test_changing_the_rating_reapplies_scheduling_from_the_state_before(db, learner):
    card = card_by(db, "default-service-type")
    answer(db, learner, card, right=True, ms=20000)  # Good
    second = answer(db, learner, card, right=True, at=NOW + timedelta(minutes=11), ms=20000)
    assert second.log.rating == GOOD
    state_before = second.log.state_before
    s = sched.make_scheduler(learner.desired_retention, fuzz=False)
    changed = reviews.change_rating(db.session, learner, second.log.id, EASY, s)
    db.session.commit()
    expected = sched.review(s, state_before, EASY, second.log.reviewed_at, card.id, 20000).state
    assert changed.log.rating == EASY and changed.log.suggested_rating == GOOD
    assert changed.log.state_after == expected
    assert snapshot(reviews.card_state(db.session, learner, card.id)) == expected
    # back to Again, then undo: the state before the answer returns exactly
    reviews.change_rating(db.session, learner, second.log.id, AGAIN, s)
    reviews.undo_last(db.session, learner)
    db.session.commit()
    assert snapshot(reviews.card_state(db.session, learner, card.id)) == state_before
    with pytest.raises(reviews.StudyError):  # that answer is gone
        reviews.change_rating(db.session, learner, second.log.id, HARD, s)


def test_only_the_last_answer_can_be_rerated(db, learner):
    a, b = card_by(db, "default-service-type"), card_by(db, "nodeport-also-gets")
    first = answer(db, learner, a)
    answer(db, learner, b, at=NOW + timedelta(seconds=30))
    with pytest.raises(reviews.StudyError):
        reviews.change_rating(db.session, learner, first.log.id, EASY, sched.make_scheduler(fuzz=False))


def test_reset_makes_a_card_new_and_keeps_history(db, learner):
    card = card_by(db, "default-service-type")
    answer(db, learner, card)
    assert reviews.reset_card(db.session, learner, card.id)
    db.session.commit()
    assert reviews.card_state(db.session, learner, card.id) is None
    assert db.session.scalar(select(func.count(ReviewLog.id))) == 1
    with pytest.raises(reviews.StudyError):  # the reset is not silently undone
        reviews.undo_last(db.session, learner)


def test_day_rollover_in_the_learners_time_zone(db, make_user, bank):
    # Tokyo, rollover 04:00 local = 19:00 UTC. One new card a day.
    user = make_user("kenji@example.org", timezone="Asia/Tokyo", rollover_hour=4, new_per_day=1)
    evening = datetime(2025, 5, 5, 18, 30, tzinfo=timezone.utc)  # 03:30 local, still "yesterday"
    card = db.session.get(Card, reviews.build_queue(db.session, user, None, evening).card_id)
    answer(db, user, card, at=evening)
    assert reviews.build_queue(db.session, user, None, evening + timedelta(minutes=20)).counts.new == 0
    after_rollover = datetime(2025, 5, 5, 19, 5, tzinfo=timezone.utc)  # 04:05 local: a new study day
    assert reviews.build_queue(db.session, user, None, after_rollover).counts.new == 1
    # The same UTC moments for a learner in New York (rollover 04:00 local = 08:00 UTC) are one study day.
    other = make_user("nora@example.org", timezone="America/New_York", rollover_hour=4, new_per_day=1)
    answer(db, other, db.session.get(Card, reviews.build_queue(db.session, other, None, evening).card_id), at=evening)
    assert reviews.build_queue(db.session, other, None, after_rollover).counts.new == 0
