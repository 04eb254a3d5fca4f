"""Focus sessions: study one topic, concept or question type of a pack; only those cards are shown, the daily
new-card limit does not stop them, and no other card's state changes."""
from __future__ import annotations

import re

from sqlalchemy import select

from quizapp.models import Card, CardState, Question, Topic
from tests.conftest import response_for


def form_for(db, page: str, right: bool = True) -> dict:
    card = db.session.get(Card, int(re.search(r'name="card" value="(\d+)"', page).group(1)))
    data = {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}
    response = response_for(card, right)
    q = card.question
    if q.qtype == "flashcard":
        data["knew"] = "yes"
    elif q.qtype == "cloze":
        data.update({f"blank-{i}": text for i, text in enumerate(response["blanks"])})
    elif q.qtype == "single":
        data["choice"] = str(response["choice"])
    elif q.qtype == "multiple":
        data["choices"] = [str(c) for c in response["choices"]]
    elif q.qtype == "truefalse":
        data["value"] = "true" if response["value"] else "false"
    elif q.qtype == "short":
        data["text"] = response["text"]
    elif q.qtype == "ordering":
        data.update({f"position-{item}": str(position + 1) for position, item in enumerate(response["order"])})
    elif q.qtype == "matching":
        data.update({f"match-{i}": str(m) for i, m in enumerate(response["matches"])})
    return data


def topic_cards(db, topic: str) -> set[int]:
    return set(db.session.scalars(select(Card.id).join(Question).join(Topic, Topic.id == Question.topic_id)
                                  .where(Topic.slug == topic)))


def test_a_topic_session_shows_only_that_topic_and_leaves_other_cards_alone(client, db, bank, make_user, login):
    make_user(new_per_day=1)
    login()
    pods, seen = topic_cards(db, "pods"), []
    url = "/packs/fixture-pack/study?focus=topic:pods"
    for _ in range(20):
        page = client.get(url).get_data(as_text=True)
        if "Done for now" in page:
            break
        assert "Focus session: the topic “Pods”" in page and 'name="focus" value="topic:pods"' in page
        data = form_for(db, page)
        seen.append(int(data["card"]))
        feedback = client.post("/packs/fixture-pack/study", data=data)
        assert feedback.status_code == 302 and "focus=topic:pods" in feedback.headers["Location"]
        page = client.get(feedback.headers["Location"]).get_data(as_text=True)
        assert re.search(r"/packs/fixture-pack/study\?focus=topic(:|%3A)pods", page)  # Next stays in the session
    assert "in this focus session (the topic “Pods”)" in page
    # past the daily limit of one new card, every card of the topic once a day (siblings wait for tomorrow)
    assert len(set(seen)) == 4 and set(seen) <= pods  # learning steps bring some back within the session
    states = set(db.session.scalars(select(CardState.card_id)))
    assert states == set(seen)  # nothing outside the focus was touched
    # the whole pack still respects the limit: the one new card today is used up
    assert "Done for now" in client.get("/packs/fixture-pack/study").get_data(as_text=True)


def test_type_and_concept_sessions(client, db, bank, make_user, login):
    make_user()
    login()
    page = client.get("/packs/fixture-pack/study?focus=type:truefalse").get_data(as_text=True)
    assert "True or false only" in page and "containerPort opens a port" in page
    concept = client.get("/study/concept/pod-ip")
    assert concept.status_code == 302 and concept.headers["Location"].endswith(
        "/packs/fixture-pack/study?focus=concept:pod-ip")
    page = client.get(concept.headers["Location"]).get_data(as_text=True)
    card = db.session.get(Card, int(re.search(r'name="card" value="(\d+)"', page).group(1)))
    assert "pod-ip" in card.question.tags
    assert client.get("/study/concept/no-such-concept").status_code == 404


def test_outline_lists_topics_in_learning_order_with_focus_links(client, db, bank, make_user, login):
    make_user()
    login()
    page = client.get("/packs/fixture-pack/outline").get_data(as_text=True)
    titles = re.findall(r"<tr><td>([^<]+)</td>", page)
    positions = dict(db.session.execute(select(Topic.title, Topic.position)).all())
    assert titles == sorted(positions, key=positions.get)
    assert "focus=topic:pods" in page and "focus=type:sim" not in page and "focus=type:matching" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "/packs/fixture-pack/outline" in dashboard and "/study/concept/pod-ip" in dashboard


def test_the_focus_subject_is_data_and_the_page_words_it_in_the_learners_language(client, db, bank, make_user,
                                                                                    login):
    from flask_babel import refresh

    from quizapp.models import Pack
    from quizapp.study.focus import Focus, FocusSubject, focus_subject

    pack = db.session.scalar(select(Pack).where(Pack.slug == "fixture-pack"))
    # the service needs no request (no locale machinery): the subject as data, the words are the view's
    assert focus_subject(db.session, pack, Focus("topic", "pods")) == FocusSubject("topic", "Pods")
    assert focus_subject(db.session, pack, Focus("type", "truefalse")) == FocusSubject("type", "truefalse")
    concept = focus_subject(db.session, pack, Focus("concept", "pod-ip"))
    assert concept.kind == "concept" and str(concept.name) == "Pod IP"
    refresh()  # the words above were looked up in this test's app context, which the requests below share
    make_user(language="zh-CN")
    login()
    page = client.get("/packs/fixture-pack/study?focus=type:truefalse").get_data(as_text=True)
    assert "专项练习：仅限判断题。" in page and "True or false only" not in page
    page = client.get("/packs/fixture-pack/study?focus=concept:pod-ip").get_data(as_text=True)
    assert "专项练习：概念“Pod IP”。" in page
