"""The per-process cache of each pack's cards (quizapp.study.pack_cards): keyed by the pack's content stamp,
which every change of the pack's topics, questions or cards renews, so a cached list is never served after the
content changed -- committed by this session, another session (another worker or server), or rolled back."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from quizapp.checking import check_answer
from quizapp.models import Card, Pack, Question, ReviewLog, Topic, utcnow
from quizapp.study import pack_cards, reviews
from quizapp.study.learning_order import interleave
from tests.conftest import FIXTURE_PACK, response_for, write_fixture_pack

NOW = datetime(2025, 5, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def learner(bank, make_user):
    return make_user(new_per_day=50, reviews_per_day=200, timezone="UTC", rollover_hour=4)


def pack_of(db) -> Pack:
    return db.session.scalar(select(Pack).where(Pack.slug == "fixture-pack"))


def live_cards(db) -> list[int]:
    return list(db.session.scalars(select(Card.id).join(Question).where(Question.retired_at.is_(None),
                                                                        Card.retired_at.is_(None))))


def new_count(db, user) -> int:
    return reviews.build_queue(db.session, user, pack_of(db), NOW).counts.new


def without_question(slug: str) -> dict[str, str]:
    """The fixture pack with one question removed (its cards are retired by the next build)."""
    sources = dict(FIXTURE_PACK)
    name = next(name for name, text in sources.items() if "{#" + slug + "}" in text)
    text = sources[name]
    start = text.rfind("## ", 0, text.index("{#" + slug + "}"))
    end = text.find("\n## ", start + 3)
    sources[name] = text[:start] + (text[end + 1:] if end >= 0 else "")
    return sources


def test_the_cached_list_is_the_pack_s_active_cards_in_learning_order(db, learner):
    pack = pack_of(db)
    cached = pack_cards.pack_cards(db.session, pack)
    again = pack_cards.pack_cards(db.session, pack)
    assert again is cached  # served from the cache
    authored = db.session.execute(select(Card.id, Card.question_id, Question.topic_id, Question.qtype).join(Question)
                                  .join(Topic, Topic.id == Question.topic_id)
                                  .where(Question.retired_at.is_(None), Card.retired_at.is_(None))
                                  .order_by(Topic.position, Question.position, Card.position, Card.id)).all()
    expected = interleave(((card_id, question_id), topic, qtype == "sim")
                          for card_id, question_id, topic, qtype in authored)
    assert list(cached.cards) == expected and sorted(expected) == sorted((c, q) for c, q, _, _ in authored)
    assert (cached.low, cached.high) == (min(live_cards(db)), max(live_cards(db)))


def test_a_content_build_that_retires_a_question_is_seen_at_once(db, learner):
    before = new_count(db, learner)  # warms the cache
    stamp = pack_of(db).content_stamp
    write_fixture_pack(db.session, without_question("docker-embedded-dns-address"))
    assert pack_of(db).content_stamp != stamp
    assert new_count(db, learner) == before - 1


def test_a_card_retired_directly_through_the_orm_is_seen_at_once(db, learner):
    before = new_count(db, learner)
    card = db.session.get(Card, live_cards(db)[0])
    card.retired_at = utcnow()
    db.session.commit()
    assert new_count(db, learner) == before - 1
    queue = reviews.build_queue(db.session, learner, pack_of(db), NOW)
    assert queue.card_id != card.id


def test_a_change_committed_by_another_session_is_seen_by_the_next_request(app, db, learner):
    """Another worker or server: its own session and connection. This session's next request reads the pack
    row again (a request starts with a fresh session) and finds a new stamp."""
    before = new_count(db, learner)
    db.session.commit()

    def elsewhere() -> None:
        with app.app_context():
            card = db.session.get(Card, live_cards(db)[-1])
            card.retired_at = utcnow()
            db.session.commit()
    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(30)
    db.session.expire_all()  # what a new request's session would be: nothing loaded yet
    assert new_count(db, learner) == before - 1


def test_a_rolled_back_change_is_never_served(db, learner):
    before = new_count(db, learner)
    card = db.session.get(Card, live_cards(db)[0])
    card.retired_at = utcnow()
    db.session.flush()
    assert new_count(db, learner) == before - 1  # inside the transaction: its own change (cached under its stamp)
    db.session.rollback()
    assert new_count(db, learner) == before  # the rolled-back stamp is gone, and with it that entry


def test_study_records_do_not_change_the_stamp(db, learner):
    stamp = pack_of(db).content_stamp
    card = db.session.get(Card, reviews.build_queue(db.session, learner, pack_of(db), NOW).card_id)
    response = response_for(card)
    q = card.question
    reviews.record_answer(db.session, learner, card, response, check_answer(q.qtype, q.data, card.card_key, response),
                          9000, 1, reviews.learner_scheduler(learner, fuzz=False), now=NOW)
    db.session.commit()
    assert db.session.scalar(select(ReviewLog.card_id)) == card.id
    assert pack_of(db).content_stamp == stamp


def test_a_pack_that_the_learner_may_not_see_has_no_cards_to_study(db, learner):
    pack = pack_of(db)
    assert reviews.build_queue(db.session, learner, pack, NOW, visible=False).counts.new == 0
    pack.visibility = "private"
    db.session.commit()
    assert reviews.build_queue(db.session, learner, pack, NOW).counts.new == 0  # checked when not given


def test_the_cache_is_bounded():
    cache = pack_cards._Cache(2)
    entry = pack_cards.PackCards((), 0, -1)
    for key in ("a", "b", "c"):
        cache.put((key,), entry)
    assert list(cache.entries) == [("b",), ("c",)]
    assert cache.get(("a",)) is None and cache.get(("b",)) is entry
    cache.put(("d",), entry)
    assert list(cache.entries) == [("b",), ("d",)]  # b was used more recently than c
