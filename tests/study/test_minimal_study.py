"""The minimal study page through the test client: choose a pack, answer, see right or wrong and why."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quizapp.content import compile_sources
from quizapp.content.store import write_bank
from quizapp.models import Card, Question
from tests.content.helpers import doc_examples, pack_file


@pytest.fixture
def bank(db):
    result = compile_sources([("demo/all.md", pack_file("All types", *doc_examples()))])
    write_bank(db.session, result.bank)
    db.session.commit()


def card_id(db, slug: str, key: str = "main") -> int:
    return db.session.scalar(select(Card.id).join(Question).where(Question.slug == slug, Card.card_key == key))


def test_index_lists_packs(client, bank):
    page = client.get("/").get_data(as_text=True)
    assert "Demo" in page and "9 questions" in page and "11 cards" in page


def test_index_without_packs_says_how_to_build(client):
    assert "quizapp content build content/" in client.get("/").get_data(as_text=True)


def test_question_page_renders_a_card(client, bank):
    page = client.get("/packs/demo/study?seed=3").get_data(as_text=True)
    assert re.search(r'name="card" value="\d+"', page)
    assert '<h1>' in page


def test_right_answer_shows_right_and_the_explanation(client, db, bank):
    page = client.post("/packs/demo/study", data={"card": card_id(db, "default-service-type"), "seed": 1,
                                                  "choice": "1"}).get_data(as_text=True)
    assert "Right" in page
    assert "<code>ClusterIP</code> is the default Service type." in page
    assert "Source:" in page


def test_wrong_answer_shows_not_quite_and_marks_the_key(client, db, bank):
    response = client.post("/packs/demo/study", data={"card": card_id(db, "default-service-type"), "seed": 1,
                                                      "choice": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Not quite" in page and "(your choice, wrong)" in page


def test_short_answer_accepts_spaced_address(client, db, bank):
    page = client.post("/packs/demo/study", data={"card": card_id(db, "docker-embedded-dns-address"), "seed": 1,
                                                  "text": "127.0.0.11 : 53"}).get_data(as_text=True)
    assert "Right" in page


def test_ordering_and_matching_through_the_form(client, db, bank):
    ordering = {"card": card_id(db, "nodeport-hop-order"), "seed": 1,
                **{f"position-{i}": str(i + 1) for i in range(4)}}
    assert "Right" in client.post("/packs/demo/study", data=ordering).get_data(as_text=True)
    matching = {"card": card_id(db, "port-declared-by"), "seed": 1, **{f"match-{i}": str(i) for i in range(4)}}
    assert "Right" in client.post("/packs/demo/study", data=matching).get_data(as_text=True)


def test_cloze_and_flashcard_sides(client, db, bank):
    cloze = {"card": card_id(db, "flannel-default-network", "c2"), "seed": 1, "blank-0": "/24"}
    assert "Right" in client.post("/packs/demo/study", data=cloze).get_data(as_text=True)
    back = card_id(db, "what-is-pod-ip", "back")
    reveal = client.get(f"/packs/demo/study?card={back}&seed=1&reveal=1").get_data(as_text=True)
    assert "I knew it" in reveal and "What is a <strong>Pod IP</strong>?" in reveal
    assert "Not quite" in client.post("/packs/demo/study", data={"card": back, "seed": 1, "knew": "no"}).get_data(
        as_text=True)


def test_missing_answer_is_refused_with_the_field_named(client, db, bank):
    response = client.post("/packs/demo/study", data={"card": card_id(db, "default-service-type"), "seed": 1})
    assert response.status_code == 400
    assert "Choose an answer" in response.get_data(as_text=True)


def test_unknown_pack_and_card_are_404(client, db, bank):
    assert client.get("/packs/nope/study").status_code == 404
    assert client.get("/packs/demo/study?card=99999").status_code == 404


def test_retired_cards_are_not_studied(client, db, bank):
    result = compile_sources([("demo/all.md", pack_file("All types", doc_examples()[2]))])
    write_bank(db.session, result.bank)
    db.session.commit()
    retired = card_id(db, "docker-embedded-dns-address")
    assert client.get(f"/packs/demo/study?card={retired}").status_code == 404
    for seed in range(10):
        page = client.get(f"/packs/demo/study?seed={seed}").get_data(as_text=True)
        assert "Default Service type" in page
