"""The feedback page carries the next question (`<template id="next-question">`): study.js shows it without a
request, so an answer costs two requests (POST -> 302 -> feedback). Its form is the study page's, with the same
guarantees: posted as-is it records the answer once, a stale one is refused, and it is the card the study page
would pick at that moment."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from quizapp.models import Card, Pack, ReviewLog
from tests.study.test_focus import form_for, topic_cards

STUDY = "/packs/fixture-pack/study"


def embedded(page: str) -> str | None:
    """The next question's template on a feedback page (its inner HTML), or None."""
    match = re.search(r'<template id="next-question" data-url="([^"]*)" data-title="[^"]*">(.*?)</template>',
                      page, re.S)
    return match.group(2) if match else None


def hidden(html: str, name: str) -> str:
    return re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1)


def card_on(html: str) -> int:
    return int(hidden(html, "card"))


def answer(client, db, form: dict) -> str:
    """POST an answer form; returns the feedback page it leads to."""
    response = client.post(STUDY, data=form)
    assert response.status_code == 302 and response.headers["Location"].startswith("/reviews/"), \
        response.headers.get("Location")
    return client.get(response.headers["Location"]).get_data(as_text=True)


def logs(db) -> int:
    return db.session.scalar(select(func.count(ReviewLog.id)))


def test_the_feedback_carries_the_next_card_and_its_form_answers_it(client, db, bank, make_user, login):
    make_user()
    login()
    page = client.get(STUDY).get_data(as_text=True)
    feedback = answer(client, db, form_for(db, page))
    for number in range(6):  # answer through the embedded form only: two requests per answer
        template = embedded(feedback)
        assert template is not None, number
        assert card_on(template) == card_on(client.get(STUDY).get_data(as_text=True))  # what the study page picks
        assert 'class="answer"' in template and 'id="undo-form"' in template and "<h1>" in template
        # the counts as they are after this answer, as the study page shows them
        assert re.search(r'<progress value="(\d+)"', template).group(1) == str(number + 1)
        before = logs(db)
        feedback = answer(client, db, form_for(db, template, right=number % 2 == 0))
        assert logs(db) == before + 1
    # the page around the template is unchanged: the Next link still goes to the study page (no JavaScript)
    assert f'class="button next" data-enter href="{STUDY}"' in feedback


def test_a_refresh_shows_a_fresh_key_and_seed_and_a_resent_form_records_once(client, db, bank, make_user, login):
    make_user()
    login()
    first = client.post(STUDY, data=form_for(db, client.get(STUDY).get_data(as_text=True)))
    one = embedded(client.get(first.headers["Location"]).get_data(as_text=True))
    two = embedded(client.get(first.headers["Location"]).get_data(as_text=True))  # refresh: harmless
    assert card_on(one) == card_on(two) and hidden(one, "idempotency_key") != hidden(two, "idempotency_key")
    form = form_for(db, one)
    before = logs(db)
    sent, again = client.post(STUDY, data=form), client.post(STUDY, data=form)  # double submit
    assert sent.status_code == again.status_code == 302 and sent.headers["Location"] == again.headers["Location"]
    assert logs(db) == before + 1


def test_a_stale_embedded_form_is_refused_with_the_notice(client, db, bank, make_user, login):
    make_user()
    login()
    first = client.post(STUDY, data=form_for(db, client.get(STUDY).get_data(as_text=True)))
    stale = embedded(client.get(first.headers["Location"]).get_data(as_text=True))
    # another tab answers the same card first (the study page shows it too)
    other_tab = client.get(STUDY).get_data(as_text=True)
    assert card_on(other_tab) == card_on(stale)
    answer(client, db, form_for(db, other_tab))
    before = logs(db)
    late = client.post(STUDY, data=form_for(db, stale))
    assert late.status_code == 302 and late.headers["Location"].endswith(STUDY)
    assert "answered in another tab" in client.get(late.headers["Location"]).get_data(as_text=True)
    assert logs(db) == before


def test_the_next_card_keeps_the_focus_session(client, db, bank, make_user, login):
    make_user(new_per_day=1)
    login()
    pods = topic_cards(db, "pods")
    url = f"{STUDY}?focus=topic:pods"
    page = client.get(url).get_data(as_text=True)
    response = client.post(STUDY, data=form_for(db, page))
    feedback = client.get(response.headers["Location"]).get_data(as_text=True)
    template = embedded(feedback)
    assert template is not None and card_on(template) in pods
    assert card_on(template) == card_on(client.get(url).get_data(as_text=True))
    assert 'name="focus" value="topic:pods"' in template and "Focus session: the topic “Pods”" in template
    assert re.search(r'data-url="/packs/fixture-pack/study\?focus=topic(:|%3A)pods"', feedback)
    # a rating change keeps the session: the feedback it shows again offers the next card of the topic
    action = re.search(r'<form method="post" action="([^"]+)" class="ratings">', feedback).group(1)
    rated = client.post(action.replace("&amp;", "&"), data={"rating": "3"})
    assert re.search(r"focus=topic(:|%3A)pods", rated.headers["Location"])
    again = client.get(rated.headers["Location"]).get_data(as_text=True)
    assert "Focus session: the topic “Pods”" in again
    assert embedded(again) is None or card_on(embedded(again)) in pods


def test_no_next_question_when_nothing_is_left(client, db, bank, make_user, login):
    make_user(new_per_day=1)
    login()
    first = client.post(STUDY, data=form_for(db, client.get(STUDY).get_data(as_text=True)))
    feedback_url = first.headers["Location"]
    assert embedded(client.get(feedback_url).get_data(as_text=True)) is not None  # the card comes back soon
    # Easy: the only new card of the day goes to review, nothing is left; the feedback is shown again, re-chosen
    log_id = int(feedback_url.rsplit("/", 1)[1])
    rated = client.post(f"/reviews/{log_id}/rating", data={"rating": "4"})
    page = client.get(rated.headers["Location"]).get_data(as_text=True)
    assert embedded(page) is None and "Done for now" in client.get(STUDY).get_data(as_text=True)
    assert f'href="{STUDY}"' in page  # Next still leads to the study page (its done page)


def test_no_next_question_on_an_older_answer_or_a_pack_no_longer_shared(client, db, bank, make_user, login):
    make_user()
    login()
    first = client.post(STUDY, data=form_for(db, client.get(STUDY).get_data(as_text=True)))
    answer(client, db, form_for(db, client.get(STUDY).get_data(as_text=True)))
    old = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "section class=\"feedback" in old and embedded(old) is None

    # a pack the learner may no longer see: the feedback is theirs, the next card is not offered
    newest = client.post(STUDY, data=form_for(db, client.get(STUDY).get_data(as_text=True)))
    assert embedded(client.get(newest.headers["Location"]).get_data(as_text=True)) is not None
    db.session.scalar(select(Pack)).visibility = "private"
    db.session.commit()
    hidden_pack = client.get(newest.headers["Location"])
    assert hidden_pack.status_code == 200 and embedded(hidden_pack.get_data(as_text=True)) is None


def test_changing_the_rating_chooses_the_next_question_again(client, db, bank, make_user, login):
    make_user()
    login()
    first = client.post(STUDY, data=form_for(db, client.get(STUDY).get_data(as_text=True), right=False))
    before = embedded(client.get(first.headers["Location"]).get_data(as_text=True))
    log_id = int(first.headers["Location"].rsplit("/", 1)[1])
    rated = client.post(f"/reviews/{log_id}/rating", data={"rating": "3"})
    after = embedded(client.get(rated.headers["Location"]).get_data(as_text=True))
    assert after is not None and hidden(after, "idempotency_key") != hidden(before, "idempotency_key")
    assert card_on(after) == card_on(client.get(STUDY).get_data(as_text=True))
    assert db.session.get(Card, card_on(after)) is not None


def test_a_reversed_flashcard_carried_next_keeps_its_term_out_of_the_title(client, db, bank, make_user, login):
    """study.js sets the page title from `data-title` when it shows the next question: for a flashcard's back
    side that title must not be the term it asks for (as the study page's own <title>)."""
    from quizapp.browse.models import CardMark
    from quizapp.models import Question

    user = make_user()
    login()
    cards = {(slug, key): card for card, key, slug in db.session.execute(
        select(Card.id, Card.card_key, Question.slug).join(Question).join(Pack).where(Pack.slug == "fixture-pack"))}
    first, back = cards[("default-service-type", "main")], cards[("what-is-pod-ip", "back")]
    for card in set(cards.values()) - {first, back}:  # suspended by hand: after `first`, only the back is left
        db.session.add(CardMark(user_id=user.id, card_id=card, suspended=True))
    db.session.commit()
    page = client.get(f"{STUDY}?card={first}&seed=1").get_data(as_text=True)
    feedback = answer(client, db, form_for(db, page))
    assert card_on(embedded(feedback)) == back and "Which term is this?" in embedded(feedback)
    title = re.search(r'<template id="next-question" data-url="[^"]*" data-title="([^"]*)"', feedback).group(1)
    assert "Pod IP" not in title and title.startswith("Which term is this?")
