"""The shipped bank in Chinese: every question translated, none stale, and every translated card renders and
grades with the source's key."""
from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.checking import check_answer
from quizapp.content import compile_paths
from quizapp.content.translation import apply_translation, coverage, translation_warnings
from quizapp.study.presenting import card_view

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def bank():
    result = compile_paths([CONTENT])
    assert result.ok, [str(p) for p in result.problems[:10]]
    return result.bank


def test_every_shipped_question_is_translated_and_none_is_stale(bank):
    assert not [str(w) for w in translation_warnings(bank)]
    for (pack, language), (total, translated, stale) in coverage(bank).items():
        assert language == "zh-CN" and translated == total and stale == 0, (pack, total, translated, stale)
    assert {pack for pack, _language in coverage(bank)} == set(bank.packs)


def test_every_translated_card_renders_and_keeps_the_key(bank):
    checked = 0
    for pack in bank.packs.values():
        translations = pack.translations.questions["zh-CN"]
        for question in pack.questions:
            data = apply_translation(question.qtype, question.data, translations[question.slug].overlay)
            for key in question.card_keys:
                view = card_view(question.qtype, data, key, 0)
                assert view.prompt_html
                if question.qtype == "single":
                    right = next(i for i, c in enumerate(question.data["choices"]) if c["correct"])
                    assert check_answer("single", data, key, {"choice": right}).correct
                checked += 1
    assert checked > 400
