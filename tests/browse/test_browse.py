"""The card browser on a real database (SQLite FTS5 by default, PostgreSQL full-text search when
TEST_DATABASE_URL points at PostgreSQL): ranked search, filters, history, flag, suspend, bury, reset."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.browse import search, service
from quizapp.browse.models import CardMark
from quizapp.checking import check_answer
from quizapp.models import Card, CardState, Question, utcnow
from quizapp.study import reviews
from quizapp.study import scheduler as sched
from tests.conftest import FIXTURE_PACK, response_for, write_fixture_pack


@pytest.fixture
def learner(bank, make_user):
    return make_user()


def card_of(db, slug: str, key: str = "main") -> Card:
    return db.session.scalar(select(Card).join(Question).where(Question.slug == slug, Card.card_key == key))


def titles(db, user, **filters) -> list[str]:
    rows, total = service.browse(db.session, user, service.Filters(**filters))
    assert total == len(rows)
    return [row.title for row in rows]


def answer(db, user, card, right=True, at=None):
    q = card.question
    response = response_for(card, right)
    result = check_answer(q.qtype, q.data, card.card_key, response)
    reviews.record_answer(db.session, user, card, response, result, 8000, 1, sched.make_scheduler(fuzz=False),
                          now=at)
    db.session.commit()


def test_search_is_ranked_and_matches_prefixes_answers_and_tags(db, learner):
    assert titles(db, learner, q="flannel")[0] == "Flannel's default network"  # in the title: first
    assert "NodePort hops" in titles(db, learner, q="kube")  # prefix of KUBE-NODEPORTS, in the answer items
    assert titles(db, learner, q="127.0.0.11") == ["The embedded DNS server"]  # an accepted answer
    assert titles(db, learner, q="net-conf.json") == ["Flannel's default network"] * 2  # the explanation, 2 cards
    assert "Which object declares each port" in titles(db, learner, q="containerport")  # a tag (and pair)
    assert titles(db, learner, q="flannel nodeport") == []  # every word must match
    assert titles(db, learner, q='"); DROP TABLE cards; --') == []  # quotes and punctuation are only words


def test_the_index_follows_content_changes(db, learner):
    assert titles(db, learner, q="LoadBalancer") == ["Default Service type"]
    sources = dict(FIXTURE_PACK)
    sources["ports.md"] = sources["ports.md"].replace("LoadBalancer", "ExternalName")
    write_fixture_pack(db.session, sources)
    assert titles(db, learner, q="LoadBalancer") == []
    assert titles(db, learner, q="externalname") == ["Default Service type"]
    assert search.refresh(db.session) == 0  # nothing changed since: no rebuild


def test_filters(db, learner):
    everything = titles(db, learner)
    assert len(everything) == db.session.query(Card).count()
    assert titles(db, learner, qtype="ordering") == ["NodePort hops"]
    assert set(titles(db, learner, topic="pods")) == {"What is a Pod IP?", "Flannel's default network", "NodePort hops",
                                                      "Which object declares each port"}
    assert set(titles(db, learner, concept="flannel")) == {"Flannel's default network"}
    single = card_of(db, "default-service-type")
    answer(db, learner, single, right=False)
    assert titles(db, learner, state="learning") == ["Default Service type"]
    assert "Default Service type" not in titles(db, learner, state="new")
    assert titles(db, learner, due="today") == ["Default Service type"]
    assert titles(db, learner, min_lapses=1) == []
    service.toggle_flag(db.session, learner, single.id)
    assert titles(db, learner, flagged=True) == ["Default Service type"]


def test_suspended_and_buried_cards_leave_the_queue_new_or_not(db, learner):
    first = reviews.build_queue(db.session, learner, None).card_id
    service.set_suspended(db.session, learner, first, True)
    db.session.commit()
    second = reviews.build_queue(db.session, learner, None).card_id
    assert second != first
    assert card_title(db, first) in titles(db, learner, state="suspended")
    service.bury(db.session, learner, second)
    db.session.commit()
    third = reviews.build_queue(db.session, learner, None).card_id
    assert third not in (first, second)
    assert titles(db, learner, state="buried") == [card_title(db, second)]
    tomorrow = utcnow() + timedelta(days=1, hours=1)
    assert reviews.build_queue(db.session, learner, None, now=tomorrow).card_id != first  # still suspended
    service.set_suspended(db.session, learner, first, False)
    db.session.commit()
    assert reviews.build_queue(db.session, learner, None).card_id == first
    assert db.session.get(CardMark, (learner.id, first)).suspended is False


def card_title(db, card_id: int) -> str:
    return db.session.get(Card, card_id).question.title


def test_pages_history_and_reset_with_confirmation(client, db, learner, login):
    login()
    card = card_of(db, "default-service-type")
    answer(db, learner, card, right=False)
    answer(db, learner, card, right=True, at=utcnow() + timedelta(minutes=2))
    page = client.get("/browse?q=service").get_data(as_text=True)
    assert f'/browse/cards/{card.id}"' in page and "best matches first" in page
    detail = client.get(f"/browse/cards/{card.id}").get_data(as_text=True)
    assert detail.count("<td>wrong</td>") == 1 and detail.count("<td>right</td>") == 1
    assert "Again" in detail and "Good" in detail and re.search(r"<td>\d+[mhd]</td>", detail)
    assert '{&#34;choice&#34;: 0}' in detail or '{"choice": 0}' in detail
    # reset: a plain POST only leads to the confirmation; the confirmed one resets
    response = client.post(f"/cards/{card.id}/reset")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/browse/cards/{card.id}/reset")
    assert db.session.scalar(select(CardState).where(CardState.card_id == card.id)) is not None
    confirm = client.get(f"/browse/cards/{card.id}/reset").get_data(as_text=True)
    assert "Yes, reset this card" in confirm and "2 answers stay in the history" in confirm
    client.post(f"/cards/{card.id}/reset", data={"confirm": "yes", "back": "browse"})
    db.session.expire_all()
    assert db.session.scalar(select(CardState).where(CardState.card_id == card.id)) is None
    for action, data in (("flag", {}), ("suspend", {"suspended": "1"}), ("bury", {})):
        assert client.post(f"/browse/cards/{card.id}/{action}", data=data).status_code == 302
    mark = db.session.get(CardMark, (learner.id, card.id))
    db.session.refresh(mark)
    assert mark.flagged and mark.suspended and mark.buried_until is not None
    assert client.get("/browse?lapses=many").status_code == 200
    assert "lapses: &#39;many&#39; is not a whole number" in client.get("/browse?lapses=many").get_data(as_text=True)
    assert client.get("/browse/cards/999999").status_code == 404


def test_search_combined_with_state_lapse_and_flag_filters(db, learner):
    """A search with the learner's filters is their intersection (on SQLite the search hits drive the plan and
    the filters are only probed: bench/card_browser.py measures that)."""
    card = card_of(db, "default-service-type")
    answer(db, learner, card, right=False)
    state = db.session.scalar(select(CardState).where(CardState.card_id == card.id))
    state.fsrs_state, state.lapses = 3, 1  # as after a lapse in review
    db.session.commit()
    assert titles(db, learner, q="service", state="relearning", min_lapses=1) == ["Default Service type"]
    assert titles(db, learner, q="service", min_lapses=2) == []
    assert titles(db, learner, q="flannel", min_lapses=1) == []
    service.toggle_flag(db.session, learner, card.id)
    assert titles(db, learner, q="loadbalancer", flagged=True) == ["Default Service type"]
    assert titles(db, learner, q="flannel", flagged=True) == []
    assert "Default Service type" not in titles(db, learner, q="service", state="new")
    rows, total = service.browse(db.session, learner, service.Filters(q="service", page=99))
    assert rows == [] and total == len(titles(db, learner, q="service")) > 0


def test_the_pager_links_render(client, db, learner, login, monkeypatch):
    """More cards than a page: the Next and Previous links (the template once shadowed gettext doing this)."""
    monkeypatch.setattr(service, "PAGE", 2)
    login()
    first = client.get("/browse?q=&type=")
    assert first.status_code == 200 and "Next page" in first.get_data(as_text=True)
    second = client.get("/browse?page=2").get_data(as_text=True)
    assert "Previous page" in second and "Next page" in second and "page=3" in second and "page=1" in second
