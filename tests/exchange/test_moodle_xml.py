"""Moodle XML: parsed with xml.etree, every question's fields match the compiled question."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from quizapp.exchange.base import sim_variant
from quizapp.exchange.moodle_xml import export_moodle_xml
from tests.exchange.helpers import (
    ESCAPES_PACK,
    compile_files,
    docs_pack,
    fixture_pack,
    norm,
    shipped_pack,
)

EXPECTED_TYPE = {"single": "multichoice", "multiple": "multichoice", "truefalse": "truefalse",
                 "short": "shortanswer", "matching": "matching", "ordering": "ordering", "flashcard": "essay",
                 "cloze": "cloze", "sim": "shortanswer"}


def parse(pack, **options) -> tuple[dict[str, ET.Element], list[str]]:
    root = ET.fromstring(export_moodle_xml(pack, **options).content)
    assert root.tag == "quiz"
    by_id = {q.findtext("idnumber"): q for q in root if q.get("type") != "category"}
    categories = [q.findtext("category/text") for q in root if q.get("type") == "category"]
    return by_id, categories


def text(element: ET.Element, path: str) -> str:
    return element.findtext(path) or ""


def answers(element: ET.Element) -> list[tuple[str, str]]:
    return [(a.get("fraction"), a.findtext("text")) for a in element.findall("answer")]


@pytest.mark.parametrize("make_pack", [fixture_pack, docs_pack, shipped_pack], ids=["fixture", "docs", "shipped"])
def test_every_question_parses_back_with_its_fields(make_pack):
    pack = make_pack()
    by_id, categories = parse(pack)
    titles = {t.slug: t.title for t in pack.topics}
    assert categories == [f"$course$/top/{pack.title}/{titles[s]}" for s in dict.fromkeys(q.topic for q in pack.questions)]
    for question in pack.questions:
        data = question.data
        if question.qtype == "cloze":
            for group, card in data["cards"].items():
                key = question.slug if len(data["cards"]) == 1 else f"{question.slug}-{group}"
                element = by_id[key]
                assert element.get("type") == "cloze"
                embedded = re.findall(r"\{1:SHORTANSWER(?:_C)?:(.*?)\}(?!\})", text(element, "questiontext/text"))
                got = [[re.sub(r"\\(.)", r"\1", a[1:]) for a in re.split(r"(?<!\\)~", e)] for e in embedded]
                assert got == [b["answers"] for b in card["blanks"]]
            continue
        element = by_id[question.slug]
        assert element.get("type") == EXPECTED_TYPE[question.qtype], question.slug
        assert text(element, "name/text") == question.title
        feedback = text(element, "generalfeedback/text")
        assert norm(data["explanation_html"]) in norm(feedback) or question.qtype == "sim"
        assert data["source"] in feedback
        assert [t.text for t in element.findall("tags/tag/text")] == question.tags
        if question.qtype == "sim":
            variant = sim_variant(data)
            assert text(element, "questiontext/text").startswith(variant.prompt_html)
            assert [a for _f, a in answers(element)] == variant.accepted
            assert variant.trace_text.splitlines()[1] in feedback.replace("&gt;", ">").replace("&#x27;", "'")
            continue
        assert text(element, "questiontext/text").startswith(data["prompt_html"])
        if question.qtype in ("single", "multiple"):
            got = answers(element)
            assert [a for _f, a in got] == [c["html"] for c in data["choices"]]
            assert [float(f) > 0 for f, _a in got] == [c["correct"] for c in data["choices"]]
            assert text(element, "single") == ("true" if question.qtype == "single" else "false")
            if question.qtype == "multiple":
                right = sum(c["correct"] for c in data["choices"])
                assert sum(float(f) for f, _a in got if float(f) > 0) == pytest.approx(100, abs=0.01)
                assert all(float(f) == -100 for f, _a in got if float(f) <= 0) or right == len(got)
        elif question.qtype == "truefalse":
            assert {a: f for f, a in answers(element)}["true" if data["answer"] else "false"] == "100"
        elif question.qtype == "short":
            assert [a.replace("\\*", "*") for _f, a in answers(element)] == data["answers"]
            assert text(element, "usecase") == ("1" if data["case_sensitive"] else "0")
        elif question.qtype == "matching":
            pairs = [(s.findtext("text"), s.findtext("answer/text")) for s in element.findall("subquestion")]
            assert pairs == [(p["left_html"], p["right"]) for p in data["pairs"]]
        elif question.qtype == "ordering":
            assert answers(element) == [(str(n), i["html"]) for n, i in enumerate(data["items"], 1)]
            assert text(element, "gradingtype") == "ALL_OR_NOTHING"
        elif question.qtype == "flashcard":
            assert text(element, "graderinfo/text") == data["back_html"]
            assert data["back_html"] in feedback
            if data["reversible"]:
                reverse = by_id[f"{question.slug}-reversed"]
                assert text(reverse, "questiontext/text") == data["back_html"]


def test_ordering_can_be_written_as_matching():
    by_id, _ = parse(fixture_pack(), ordering="matching")
    element = by_id["nodeport-hop-order"]
    assert element.get("type") == "matching"
    assert [s.findtext("answer/text") for s in element.findall("subquestion")] == ["1", "2", "3"]


def test_special_characters_survive_cdata_and_escaping():
    pack = compile_files({"escapes.md": ESCAPES_PACK}).packs["escapes"]
    content = export_moodle_xml(pack).content.decode()
    by_id, categories = parse(pack)
    assert categories == ["$course$/top/Escapes {and} = ~ # :/Special characters: { } = ~ #"]
    assert text(by_id["escape-title"], "name/text") == "Braces {} and = ~ # : in a title"
    assert [a for _f, a in answers(by_id["escape-short"])] == ["{=~#:}", "a:b"]
    assert "]]>" not in content.replace("]]></text>", "")
