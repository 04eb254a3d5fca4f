"""Answer checkers: each type, right and wrong, and malformed responses naming their JSON path."""
from __future__ import annotations

import pytest

from quizapp.checking import CHECKERS, InvalidResponse, check_answer, normalize_answer
from quizapp.content import compile_sources
from tests.content.helpers import doc_examples, pack_file


@pytest.fixture(scope="module")
def questions():
    bank = compile_sources([("demo/all.md", pack_file("All", *doc_examples()))]).bank
    return {q.slug: q for q in bank.questions}


def check(question, response, card_key="main"):
    return check_answer(question.qtype, question.data, card_key, response)


def test_every_compiled_type_has_a_checker(questions):
    assert {q.qtype for q in questions.values()} <= set(CHECKERS)


@pytest.mark.parametrize("slug, right, wrong", [
    ("default-service-type", {"choice": 1}, {"choice": 0}),
    ("nodeport-also-gets", {"choices": [0, 1]}, {"choices": [0]}),
    ("containerport-opens-port", {"value": False}, {"value": True}),
    ("docker-embedded-dns-address", {"text": " 127.0.0.11 : 53 "}, {"text": "127.0.0.1"}),
    ("nodeport-hop-order", {"order": [0, 1, 2, 3]}, {"order": [1, 0, 2, 3]}),
    ("port-declared-by", {"matches": [0, 1, 2, 3]}, {"matches": [1, 0, 2, 3]}),
])
def test_right_and_wrong_answers(questions, slug, right, wrong):
    assert check(questions[slug], right).correct is True
    result = check(questions[slug], wrong)
    assert result.correct is False and result.score < 1


def test_multiple_select_needs_exactly_the_marked_choices(questions):
    question = questions["nodeport-also-gets"]
    assert not check(question, {"choices": [0, 1, 2]}).correct
    assert check(question, {"choices": [0, 1, 2]}).parts == [True, True, False]


def test_cloze_checks_each_blank_of_its_own_card(questions):
    question = questions["flannel-default-network"]
    assert check(question, {"blanks": ["10.244.0.0/16"]}, "c1").correct
    assert check(question, {"blanks": ["10.244.0.0 / 16"]}, "c1").correct
    assert not check(question, {"blanks": ["10.96.0.0/12"]}, "c1").correct
    assert check(question, {"blanks": ["/24"]}, "c2").correct


def test_flashcards_are_self_assessed(questions):
    assert check(questions["what-is-pod-ip"], {"knew": True}, "front").correct
    assert not check(questions["what-is-pod-ip"], {"knew": False}, "back").correct


@pytest.mark.parametrize("slug, response, path", [
    ("default-service-type", {}, "$.choice"),
    ("default-service-type", {"choice": 7}, "$.choice"),
    ("default-service-type", {"choice": True}, "$.choice"),
    ("nodeport-also-gets", {"choices": [0, "x"]}, "$.choices[1]"),
    ("nodeport-hop-order", {"order": [0, 0, 1, 2]}, "$.order"),
    ("port-declared-by", {"matches": [0, 1]}, "$.matches"),
    ("docker-embedded-dns-address", {"text": 5}, "$.text"),
])
def test_malformed_responses_name_the_json_path(questions, slug, response, path):
    with pytest.raises(InvalidResponse) as error:
        check(questions[slug], response)
    assert error.value.path == path


@pytest.mark.parametrize("given, key", [
    ("10.0.0.1 : 80", "10.0.0.1:80"),
    ("  ClusterIP ", "clusterip"),
    ("10.244.1.0 /24", "10.244.1.0/24"),
    ("`127.0.0.11`", "127.0.0.11"),
    ("kube  proxy", "kube proxy"),
    # A Chinese keyboard's full-width and ideographic punctuation and spaces mean the same answer.
    ("10.0.0.1：80", "10.0.0.1:80"),
    ("１０.０.０.１:８０", "10.0.0.1:80"),
    ("“10.0.0.1:80”。", "10.0.0.1:80"),
    ("kube\u3000proxy", "kube proxy"),
    ("ClusterIP。", "clusterip"),
])
def test_normalization(given, key):
    assert normalize_answer(given) == key


def test_case_sensitive_answers_keep_case():
    assert normalize_answer("ClusterIP", case_sensitive=True) == "ClusterIP"
