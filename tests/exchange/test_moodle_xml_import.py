"""Moodle XML import: a file in the shape Moodle's own exporter writes, every loss at its line, bad files refused
with their line, never a crash."""
from __future__ import annotations

from pathlib import Path

import random

import pytest

from quizapp.exchange import import_moodle_xml
from quizapp.exchange.moodle_xml import export_moodle_xml
from tests.exchange.helpers import compile_files, fixture_pack

FIXTURES = Path(__file__).parent / "fixtures"


def notes_by_line(result) -> dict[int, str]:
    lines: dict[int, str] = {}
    for note in result.notes:
        lines[note.line] = lines.get(note.line, "") + " | " + note.message
    return lines


def test_moodles_export_imports_with_ids_tags_and_every_loss_at_its_line():
    result = import_moodle_xml((FIXTURES / "moodle-export.xml").read_bytes(), "networking")
    questions = {q.slug: q for q in compile_files(result.files).questions}
    assert {slug: q.qtype for slug, q in questions.items()} == {
        "well-known-ports": "single", "pi-value": "short", "layers": "matching", "hop-order": "ordering",
        "ports-cloze": "cloze", "nat-essay": "flashcard"}
    assert list(result.files) == ["ports.md"]
    assert questions["well-known-ports"].tags == ["ports", "iana"]
    assert [c["correct"] for c in questions["well-known-ports"].data["choices"]] == [True, False, False]
    assert questions["pi-value"].data["answers"] == ["3.14"]
    assert [(p["left"], p["right"]) for p in questions["layers"].data["pairs"]] == [("TCP", "transport"),
                                                                                    ("IP", "network")]
    assert [i["text"] for i in questions["hop-order"].data["items"]] == [  # sorted by fraction (the position)
        "The packet arrives at the node", "KUBE-NODEPORTS matches", "DNAT to the Pod"]
    assert [b["answers"] for b in questions["ports-cloze"].data["cards"]["c1"]["blanks"]] == [["80"], ["UDP"], ["53"]]
    assert "Rewrites addresses." in questions["nat-essay"].data["back_html"]
    lines = notes_by_line(result)
    assert "partial credit (50 %) for '0 to 1024'" in lines[48] and "feedback on '0 to 1024'" in lines[48]
    assert "tolerance ±0.005" in lines[82] and "'3.1' with partial credit (50 %)" in lines[89]
    assert "distractor" in lines[129] and "RELATIVE_NEXT_EXCLUDE_LAST" in lines[137]
    assert "MULTICHOICE menu" in lines[169] and "numerical" in lines[169] and "'8080'" in lines[169]
    assert "description" in lines[201] and "calculated" in lines[210]


def test_quizapp_export_comes_back_with_hints_sources_and_reversed_cards():
    pack = fixture_pack()
    result = import_moodle_xml(export_moodle_xml(pack).content, pack.slug, pack.title)
    back = {q.slug: q for q in compile_files(result.files).questions}
    assert back["what-is-pod-ip"].data["reversible"] is True and "what-is-pod-ip-reversed" not in back
    for question in pack.questions:
        if question.slug in back:
            assert back[question.slug].data["source"] == question.data["source"]
    assert {q.topic for q in back.values()} == {q.topic for q in pack.questions}


def test_bad_files_are_reported_with_their_line():
    result = import_moodle_xml(b'<?xml version="1.0"?>\n<quiz>\n  <question type="shortanswer">\n</quiz>\n', "p")
    assert not result.files and result.notes[0].line == 4 and "not well-formed" in result.notes[0].message
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
              b"<quiz>&b;</quiz>\n")
    result = import_moodle_xml(laughs, "p")
    assert not result.files and "DTD" in result.notes[0].message and result.notes[0].line == 2
    result = import_moodle_xml(b"<html><body/></html>", "p")
    assert not result.files and "<quiz>" in result.notes[0].message
    empty = import_moodle_xml(b'<quiz><question type="shortanswer"><name><text>x</text></name></question>'
                              b'<question type="matching"/><question/></quiz>', "p")
    assert not empty.files and empty.notes  # nothing usable, every question reported, no exception


PIECES = [
    "<quiz>", "</quiz>", '<question type="multichoice">', '<question type="cloze">', '<question type="ordering">',
    '<question type="matching">', '<question type="essay">', '<question type="truefalse">', "</question>",
    "<questiontext><text>", "</text></questiontext>", "<name><text>n</text></name>", '<answer fraction="100">',
    '<answer fraction="x">', "<text>", "</text>", "</answer>", "{1:SHORTANSWER:=a~b#c}", "{1:MC:~%50%x}",
    "<subquestion><text></text><answer><text>r</text></answer></subquestion>", "<idnumber>i</idnumber>", "&amp;",
    "<![CDATA[<p>{</p>]]>", "\n", "<tags><tag><text>t</text></tag></tags>"]


@pytest.mark.parametrize("seed", range(200))
def test_never_crashes_on_malformed_input(seed):
    """Random sequences of Moodle XML pieces (seeded, so a failure replays): a report or Markdown that compiles."""
    rng = random.Random(seed)
    document = "<quiz>" + "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))) + "</quiz>"
    result = import_moodle_xml(document.encode(), "fuzz")
    if result.files:
        compile_files(result.files)
