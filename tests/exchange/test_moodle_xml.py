"""Moodle XML: our files read by a reader that follows Moodle's own import code (tests/exchange/moodle_reader.py),
every accepted answer graded as Moodle grades it; a golden file pins the exact output."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from quizapp.exchange.base import html_to_text, sim_variant
from quizapp.exchange.moodle_xml import export_moodle_xml
from tests.exchange.helpers import ESCAPES_PACK, compile_files, docs_pack, fixture_pack, norm, shipped_pack
from tests.exchange.moodle_reader import MoodleImportError, grade_shortanswer, read_quiz

GOLDEN = Path(__file__).parent / "golden"
EXPECTED_TYPE = {"single": "multichoice", "multiple": "multichoice", "truefalse": "truefalse",
                 "short": "shortanswer", "matching": "match", "ordering": "ordering", "flashcard": "essay",
                 "cloze": "multianswer", "sim": "shortanswer"}


def imported(pack, **options):
    questions = read_quiz(export_moodle_xml(pack, **options).content)
    return {q.idnumber: q for q in questions}, questions


@pytest.mark.parametrize("make_pack", [fixture_pack, docs_pack, shipped_pack], ids=["fixture", "docs", "shipped"])
def test_moodle_reads_every_question_and_grades_our_answers_as_we_do(make_pack):
    pack = make_pack()
    by_id, questions = imported(pack)
    titles = {t.slug: t.title for t in pack.topics}
    expected = 0
    for question in pack.questions:
        if question.qtype not in EXPECTED_TYPE:  # a type Moodle XML cannot carry: reported, never written
            continue
        data = question.data
        if question.qtype == "cloze":
            for group, card in data["cards"].items():
                expected += 1
                moodle = by_id[question.slug if len(data["cards"]) == 1 else f"{question.slug}-{group}"]
                assert moodle.qtype == "multianswer" and moodle.tags == question.tags
                subs = moodle.options["subquestions"]
                assert len(subs) == len(card["blanks"])
                for sub, blank in zip(subs, card["blanks"]):
                    assert sub.usecase == int(data["case_sensitive"])
                    for answer in blank["answers"]:  # every answer our checker accepts gets full marks in Moodle
                        assert grade_shortanswer(answer, sub.answers, sub.fractions, sub.usecase) == 1, (answer, sub)
            continue
        expected += 2 if question.qtype == "flashcard" and data["reversible"] else 1
        moodle = by_id[question.slug]
        assert moodle.qtype == EXPECTED_TYPE[question.qtype], question.slug
        assert moodle.name == question.title and moodle.tags == question.tags
        # Moodle's category path: a `/` inside a name is written `//` (question/format.php split_category_path)
        assert moodle.category == "/".join(n.replace("/", "//") for n in ("$course$", "top", pack.title,
                                                                           titles[question.topic]))
        assert data["source"] in moodle.generalfeedback
        # The source is written once: the author's own `Source:` line or ours, never both.
        assert html_to_text(moodle.generalfeedback).count(data["source"]) <= 2  # link text + href at most
        assert moodle.generalfeedback.count("Source:") == 1
        if question.qtype == "sim":
            variant = sim_variant(data)
            answers = moodle.options["answers"]
            for accepted in variant.accepted:
                assert grade_shortanswer(accepted, [a["text"] for a in answers],
                                         [a["fraction"] for a in answers], moodle.options["usecase"]) == 1
            continue
        assert norm(data["explanation_html"]) in norm(moodle.generalfeedback)
        assert moodle.questiontext.startswith(data["prompt_html"])
        if question.qtype in ("single", "multiple"):
            answers = moodle.options["answers"]
            assert [a["text"] for a in answers] == [c["html"] for c in data["choices"]]
            assert moodle.options["single"] == (question.qtype == "single")
            if question.qtype == "single":
                assert [a["fraction"] == 1 for a in answers] == [c["correct"] for c in data["choices"]]
            else:  # choosing exactly the right ones gives full marks, any wrong one cancels a right one
                assert sum(a["fraction"] for a in answers if a["fraction"] > 0) == pytest.approx(1, abs=1e-4)
                assert [a["fraction"] > 0 for a in answers] == [c["correct"] for c in data["choices"]]
        elif question.qtype == "truefalse":
            assert moodle.options["correctanswer"] == data["answer"]
        elif question.qtype == "short":
            answers = moodle.options["answers"]
            assert moodle.options["usecase"] == int(data["case_sensitive"])
            for accepted in data["answers"]:
                assert grade_shortanswer(accepted, [a["text"] for a in answers], [a["fraction"] for a in answers],
                                         moodle.options["usecase"]) == 1
        elif question.qtype == "matching":
            assert moodle.options["subquestions"] == [(p["left_html"], p["right"]) for p in data["pairs"]]
        elif question.qtype == "ordering":
            assert moodle.options["answers"] == [i["html"] for i in data["items"]]
            assert moodle.options["gradingtype"] == "ALL_OR_NOTHING" and moodle.options["selecttype"] == "ALL"
            assert moodle.options["shownumcorrect"] and len(moodle.options["hints"]) == 2
        elif question.qtype == "flashcard":
            assert moodle.options["graderinfo"] == data["back_html"]
            if data["reversible"]:
                assert by_id[f"{question.slug}-reversed"].questiontext == data["back_html"]
    assert len(questions) == expected


CLOZE_TABLE = """---
pack: slashes
title: Slashes
sources: [https://docs.moodle.org/en/Embedded_Answers_(Cloze)_question_type]
---

## Characters in cloze answers {#cloze-characters}

type: cloze

One {{c1::a/b}}, two {{c1::x"y}}, three {{c1::p~q}}, four {{c1::r}s}}, five {{c1::t#u}}, six {{c1::v\\w}},
seven {{c1::1 & 2}}, eight {{c1::&lt;tag&gt;}}, nine {{c1::10.0.0.0/8|10/8}}, ten {{c1::a*b}}.

### Explanation

Every character Moodle's cloze parser treats specially.
"""


def test_cloze_answers_with_special_characters_get_full_marks_in_moodle():
    """The findings' table (measured in Moodle 5.1): `/ " \\` unescaped, `}` `#` escaped, `~` as an entity."""
    pack = compile_files({"slashes.md": CLOZE_TABLE}).packs["slashes"]
    blanks = pack.questions[0].data["cards"]["c1"]["blanks"]
    typed = [b["answers"] for b in blanks]
    assert typed[:6] == [["a/b"], ['x"y'], ["p~q"], ["r}s"], ["t#u"], ["v\\w"]]
    xml = export_moodle_xml(pack).content.decode()
    assert "a/b" in xml and "p&#126;q" in xml and "r\\}s" in xml and "t\\#u" in xml and "v\\w" in xml
    (moodle,) = read_quiz(xml.encode())
    subs = moodle.options["subquestions"]
    assert [s.answers for s in subs] == [[a.replace("*", "\\*") for a in answers] for answers in typed]
    for sub, answers in zip(subs, typed):
        for answer in answers:
            assert grade_shortanswer(answer, sub.answers, sub.fractions, sub.usecase) == 1
    assert grade_shortanswer("aXb", subs[9].answers, subs[9].fractions, 0) == 0  # the star is literal


def test_the_reader_fails_where_moodle_fails():
    """The reader models Moodle's failures: an ordering question without <shownumcorrect> (the 5.1 crash)."""
    xml = export_moodle_xml(fixture_pack()).content.decode()
    broken = xml.replace("<shownumcorrect>1</shownumcorrect>", "")
    import re
    broken = re.sub(r'<hint format="html">.*?</hint>', "", broken, flags=re.S)
    with pytest.raises(MoodleImportError, match="hintformat"):
        read_quiz(broken.encode())


def test_ordering_can_be_written_as_matching():
    by_id, _ = imported(fixture_pack(), ordering="matching")
    moodle = by_id["nodeport-hop-order"]
    assert moodle.qtype == "match"
    assert [right for _left, right in moodle.options["subquestions"]] == ["1", "2", "3"]


def test_special_characters_survive_cdata_and_escaping():
    pack = compile_files({"escapes.md": ESCAPES_PACK}).packs["escapes"]
    content = export_moodle_xml(pack).content.decode()
    by_id, _ = imported(pack)
    assert by_id["escape-title"].category == "$course$/top/Escapes {and} = ~ # :/Special characters: { } = ~ #"
    assert by_id["escape-title"].name == "Braces {} and = ~ # : in a title"
    assert [a["text"] for a in by_id["escape-short"].options["answers"]] == ["{=~#:}", "a:b"]
    assert "]]>" not in content.replace("]]></text>", "")


@pytest.mark.parametrize("name,make_pack", [("fixture-pack", fixture_pack), ("docs", docs_pack)])
def test_golden_file(name, make_pack):
    """The exact bytes; regenerate with QUIZAPP_UPDATE_GOLDEN=1 after a deliberate change, and read the diff."""
    content = export_moodle_xml(make_pack()).content
    path = GOLDEN / f"{name}.moodle.xml"
    if os.environ.get("QUIZAPP_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
    assert content == path.read_bytes()
