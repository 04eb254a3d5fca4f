"""A "make it work" lab question on the study page: the scenario in a textarea, graded by the simulator,
feedback with each goal against the learner's trace."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.content import compile_sources
from quizapp.content.store import write_bank
from quizapp.models import Card, Question

LAB_FILE = Path(__file__).resolve().parents[2] / "content" / "lab-make-it-work.md"


@pytest.fixture
def lab_card(db):
    result = compile_sources([(str(LAB_FILE), LAB_FILE.read_bytes())])
    assert result.ok, result.problems
    write_bank(db.session, result.bank)
    db.session.commit()
    question = db.session.scalar(select(Question).where(Question.slug == "lab-policy-source-ip"))
    return db.session.scalar(select(Card).where(Card.question_id == question.id)), question


def test_the_question_shows_goals_allowed_paths_and_the_scenario(client, lab_card):
    card, question = lab_card
    page = client.get(f"/packs/packet-lab/study?card={card.id}&seed=1").get_data(as_text=True)
    assert '<textarea name="scenario"' in page
    assert "the process sees source 203.0.113.10" in page
    assert "Service/web spec.externalTrafficPolicy" in page
    assert "today <strong>delivered to pod/web-1 at 10.244.1.5:8080, source 10.244.1.1</strong>" in page


def test_the_reference_solution_is_right(client, lab_card):
    card, question = lab_card
    page = client.post("/packs/packet-lab/study", data={
        "card": card.id, "seed": 1, "scenario": question.data["solution_text"]}).get_data(as_text=True)
    assert '<tr class="correct">' in page and '<tr class="wrong">' not in page
    assert "source 203.0.113.10" in page


def test_an_unchanged_scenario_is_wrong_with_the_trace_against_the_goal(client, lab_card):
    card, question = lab_card
    page = client.post("/packs/packet-lab/study", data={
        "card": card.id, "seed": 1, "scenario": question.data["scenario_text"]}).get_data(as_text=True)
    assert '<tr class="wrong">' in page
    assert "delivered to pod/web-1 at 10.244.1.5:8080, source 10.244.1.1" in page
    assert '<svg class="trace' in page  # the learner's own trace, hop by hop
