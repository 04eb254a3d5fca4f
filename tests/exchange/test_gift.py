"""GIFT: the export parses back (through the importer) to the same questions; foreign GIFT imports with a report."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizapp.exchange.gift import escape, export_gift, import_gift, split_blocks
from tests.exchange.helpers import (
    ESCAPES_PACK,
    compile_files,
    docs_pack,
    essentials,
    fixture_pack,
    norm,
    shipped_pack,
)

FIXTURES = Path(__file__).parent / "fixtures"


def round_trip(pack):
    exported = export_gift(pack)
    result = import_gift(exported.content.decode("utf-8"), pack.slug, pack.title)
    return exported, result, compile_files(result.files)


@pytest.mark.parametrize("make_pack", [fixture_pack, docs_pack, shipped_pack], ids=["fixture", "docs", "shipped"])
def test_export_parses_back_to_the_same_questions(make_pack):
    pack = make_pack()
    _exported, _result, bank = round_trip(pack)
    back = {q.slug: q for q in bank.questions}
    for question in pack.questions:
        if question.qtype == "cloze":
            for group, card in question.data["cards"].items():
                if len(card["blanks"]) == 1:  # a one-deletion cloze keeps its id
                    single = len(question.data["cards"]) == 1
                    imported = back[question.slug if single else f"{question.slug}-{group}"]
                    assert imported.qtype == "cloze"
                    assert imported.data["cards"]["c1"]["blanks"][0]["answers"] == card["blanks"][0]["answers"]
            continue
        imported = back[question.slug]
        if question.qtype == "sim":
            expected = essentials(question)
            assert imported.qtype == "short" and imported.data["answers"] == expected["answers"]
            assert essentials(imported)["prompt"].startswith(expected["prompt"])
            assert norm(question.data["variants"][0]["trace_text"].splitlines()[0]) in norm(
                imported.data["explanation_html"].replace("&gt;", ">"))
            continue
        assert essentials(imported) == essentials(question), question.slug
        assert imported.tags == question.tags and imported.difficulty == question.difficulty
        assert imported.data["source"] == question.data["source"]
    assert {q.topic for q in bank.questions} == {q.topic for q in pack.questions}


def test_export_shape_categories_titles_and_one_line_fields():
    exported = export_gift(fixture_pack())
    text = exported.content.decode()
    assert "$CATEGORY: $course$/top/Fixture pack/Ports" in text
    assert "::Default Service type::[html]" in text
    assert "{T\n" not in text and "{\nF\n####" in text  # truefalse `{F ...}`
    assert "~%50%a Cluster IP" in text and "~%-100%a public IP" in text
    assert "=containerPort -> Pod" in text
    assert "{>3 ALL VERTICAL ALL_OR_NOTHING SHOW none\nThe packet arrives at the node\n" in text  # Moodle's ordering
    assert "// [id:nodeport-hop-order] [tag:pod-ip] [tag:nodeport] [tag:kube-proxy]\n" in text
    for block in split_blocks(text):  # no question was cut in two by a blank line inside HTML
        body = re.sub(r"\\.", "", block.text)
        assert body.count("{") == body.count("}") <= 1, block.text


def test_escaping_round_trips_special_characters():
    assert escape("a{b}c=d~e#f:g\\h\nnext") == "a\\{b\\}c\\=d\\~e\\#f\\:g\\\\h\\nnext"
    pack = compile_files({"escapes.md": ESCAPES_PACK}).packs["escapes"]
    _exported, result, bank = round_trip(pack)
    back = {q.slug: q for q in bank.questions}
    for question in pack.questions:
        assert essentials(back[question.slug]) == essentials(question)
    assert back["escape-short"].data["answers"] == ["{=~#:}", "a:b"]
    assert back["escape-title"].title == "Braces {} and = ~ # : in a title"
    assert ("e : f", "g # h") in [(p["left"], p["right"]) for p in back["escape-matching"].data["pairs"]]
    assert not result.notes


def test_foreign_gift_imports_with_a_report_of_what_was_lost():
    source = (FIXTURES / "foreign.gift").read_text()
    result = import_gift(source, "networking-basics")
    bank = compile_files(result.files)
    assert list(result.files) == ["networking-basics.md"]
    questions = {q.slug: q for q in bank.questions}
    assert {slug: q.qtype for slug, q in questions.items()} == {
        "loopback": "short", "port-range": "single", "private-ranges": "multiple", "udp": "truefalse",
        "bytes": "short", "tolerance": "short", "layers": "matching", "missing-word": "cloze"}
    assert questions["loopback"].data["answers"] == ["127.0.0.1", "127.0.0.1/8"]
    assert [c["correct"] for c in questions["port-range"].data["choices"]] == [True, False, False]
    assert "<em>well known</em>" in questions["port-range"].data["prompt_html"]
    assert "0-1023" in questions["port-range"].data["explanation_html"]
    assert [c["correct"] for c in questions["private-ranges"].data["choices"]] == [True, True, False]
    assert questions["udp"].data["answer"] is True
    assert questions["bytes"].data["answers"] == ["32"]
    assert len(questions["layers"].data["pairs"]) == 3
    assert questions["missing-word"].data["cards"]["c1"]["blanks"][0]["answers"] == ["80", "80/tcp"]
    assert "essay" not in questions and "notice" not in questions and "broken" not in questions
    lines: dict[int, str] = {}
    for note in result.notes:  # GIFT line numbers: the line of the answer concerned
        lines[note.line] = lines.get(note.line, "") + " | " + note.message
    assert "feedback on answer '127.0.0.1/8' was moved into the explanation" in lines[4]
    assert "partial credit (50 %)" in lines[8] and "feedback on choice" in lines[8]
    assert "placeholder" in lines[14]
    assert "true/false feedback" in lines[20]
    assert "tolerance ±2" in lines[24]
    assert "distractor" in lines[30] and "'application'" in lines[30]
    assert "essay" in lines[35] and "left out" in lines[35]
    assert "description" in lines[37]
    assert "unbalanced" in lines[39]


def test_moodles_gift_export_keeps_ids_tags_ordering_and_reports_numerical_losses_at_their_lines():
    result = import_gift((FIXTURES / "moodle-export.gift").read_text(), "networking")
    questions = {q.slug: q for q in compile_files(result.files).questions}
    assert {slug: q.qtype for slug, q in questions.items()} == {
        "hop-order": "ordering", "braces-order": "ordering", "pi-value": "short", "escaped-brace": "single"}
    assert [i["text"] for i in questions["hop-order"].data["items"]] == [
        "The packet arrives at the node", "KUBE-NODEPORTS matches", "DNAT to the Pod"]
    assert "<code>KUBE-NODEPORTS</code>" in questions["hop-order"].data["items"][1]["html"]
    assert questions["hop-order"].tags == ["nodeport", "kube-proxy"] and questions["pi-value"].tags == ["maths"]
    assert "{set}" in questions["braces-order"].data["prompt_html"]  # an unescaped `{` before the ordering block
    assert questions["pi-value"].data["answers"] == ["3.14"]
    assert questions["escaped-brace"].data["choices"][0] == {"html": "{", "text": "{", "correct": True}
    assert "JSON object { or [" in questions["escaped-brace"].data["prompt_html"]
    lines: dict[int, str] = {}
    for note in result.notes:
        lines[note.line] = lines.get(note.line, "") + " | " + note.message
    assert "Moodle shows 2 of the 3 items (RANDOM)" in lines[16]
    assert "RELATIVE_NEXT_EXCLUDE_LAST gives partial credit" in lines[16]
    assert "'3.1' with partial credit (50 %) was dropped" in lines[25]
    assert "tolerance ±0.005 is lost" in lines[26]
    assert not any(line in lines for line in (9, 10, 11, 12))  # the first ordering carries over whole


def test_ids_and_tags_survive_a_trip_through_moodle():
    """Moodle keeps only its own `[id:]`/`[tag:]` comment: our file without the quizapp comments still imports
    with the same ids and tags."""
    pack = fixture_pack()
    text = export_gift(pack).content.decode()
    moodle_view = "\n".join(line for line in text.splitlines() if not line.startswith("// quizapp"))
    bank = compile_files(import_gift(moodle_view, pack.slug, pack.title).files)
    back = {q.slug: q for q in bank.questions}
    for question in pack.questions:
        if question.qtype in ("cloze", "flashcard"):
            continue
        assert back[question.slug].tags == question.tags, question.slug
    assert back["nodeport-hop-order"].qtype == "ordering"
