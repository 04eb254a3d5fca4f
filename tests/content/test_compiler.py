"""The compiler: every type compiled, every error reported as path:line with the fix."""
from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.content import compile_paths, compile_sources
from tests.content.helpers import doc_examples, pack_file, single


def compile_one(text: str, path: str = "pack/topic.md"):
    return compile_sources([(path, text.encode() if isinstance(text, str) else text)])


def messages(result) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_every_documented_example_compiles_to_its_type():
    result = compile_sources([("demo/all-types.md", pack_file("All types", *doc_examples()))])
    assert result.ok, messages(result)
    by_id = {q.slug: q for q in result.bank.questions}
    assert {q.qtype for q in by_id.values()} == {
        "flashcard", "cloze", "single", "multiple", "truefalse", "short", "ordering", "matching", "sim"}
    assert by_id["what-is-pod-ip"].card_keys == ["front", "back"]  # reversible: two sibling cards
    assert by_id["flannel-default-network"].card_keys == ["c1", "c2"]
    assert by_id["default-service-type"].data["choices"][1] == {
        "html": "ClusterIP", "text": "ClusterIP", "correct": True}
    assert by_id["nodeport-also-gets"].data["choices"][2]["correct"] is False
    assert by_id["containerport-opens-port"].data["answer"] is False
    assert by_id["docker-embedded-dns-address"].data["answers"] == ["127.0.0.11", "127.0.0.11:53"]
    assert [i["text"] for i in by_id["nodeport-hop-order"].data["items"]][0].startswith("The packet arrives")
    matching = by_id["port-declared-by"].data
    assert matching["left_label"] == "Port type" and len(matching["pairs"]) == 4
    assert by_id["default-service-type"].source_path == "demo/all-types.md"


def test_cloze_cards_hide_only_their_own_deletion():
    result = compile_sources([("demo/x.md", pack_file("X", doc_examples()[1]))])
    cards = result.bank.questions[0].data["cards"]
    assert "10.244.0.0/16" not in cards["c1"]["prompt_html"] and "[…]" in cards["c1"]["prompt_html"]
    assert "/24" in cards["c1"]["prompt_html"]  # c2's text is shown on c1's card
    assert "[prefix length]" in cards["c2"]["prompt_html"]  # the hint replaces the blank
    assert cards["c2"]["blanks"] == [{"answers": ["/24"], "hint": "prefix length"}]


def test_code_blocks_and_tables_render_and_html_is_sanitized():
    question = ("## Rules {#rules}\n\ntype: truefalse\n\nLook:\n\n```\niptables -t nat -L\n```\n\n"
                "| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script><b onclick=\"x()\">bold</b>\n\n"
                "### Answer\n\ntrue\n\n### Explanation\n\nBecause.\n")
    result = compile_sources([("demo/x.md", pack_file("X", question))])
    html = result.bank.questions[0].data["prompt_html"]
    assert "<pre><code>iptables -t nat -L" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<script" not in html and "onclick" not in html and "<b>bold</b>" in html


@pytest.mark.parametrize("question, line, fragment", [
    (single("dup-a").replace("- [x] ClusterIP", "- [ ] ClusterIP"), 15,
     "single-choice question needs exactly one choice marked [x], found 0"),
    (single("x").replace("type: single", "type: essay"), 11, "unknown question type 'essay'"),
    ("## Cloze {#c}\n\ntype: cloze\n\nNo deletion here.\n\n### Explanation\n\nE.\n", 13,
     "cloze text has no deletion"),
    ("## No id\n\ntype: single\n\nQ\n", 9, "has no id"),
    (single("x").replace("### Explanation\n\nClusterIP is the default.\n", ""), 9,
     "has no `### Explanation` section"),
    (single("x").replace("type: single", "type: single\ncolour: red"), 12, "unknown setting 'colour'"),
    (single("x").replace("type: single", "type: single\ndifficulty: 9"), 12, "difficulty must be a whole number"),
    ("## Multi {#m}\n\ntype: multiple\n\nQ\n\n### Choices\n\n- [ ] a\n- [ ] b\n\n### Explanation\n\nE\n", 15,
     "has no choice marked [x]"),
    ("## Order {#o}\n\ntype: ordering\n\nQ\n\n### Order\n\n- a\n- b\n\n### Explanation\n\nE\n", 15,
     "must hold exactly one a numbered list"),
    ("## TF {#t}\n\ntype: truefalse\n\nQ\n\n### Answer\n\nmaybe\n\n### Explanation\n\nE\n", 15,
     "is `true` or `false`"),
    ("## Pairs {#p}\n\ntype: matching\n\nQ\n\n### Pairs\n\n| a | b |\n|---|---|\n| x | 1 |\n| x | 2 |\n\n"
     "### Explanation\n\nE\n", 20, "left-hand value 'x' appears twice"),
    ("## Q {#UPPER}\n\ntype: single\n", 9, "question id 'UPPER' is not valid"),
])
def test_each_error_names_its_line_and_the_fix(question, line, fragment):
    result = compile_one(pack_file("T", question).decode(), "pack/topic.md")
    assert not result.ok
    matching = [str(p) for p in result.problems if fragment in p.message]
    assert matching, messages(result)
    assert matching[0].startswith(f"pack/topic.md:{line}: "), matching


def test_duplicate_ids_name_both_places():
    result = compile_sources([("p/a.md", pack_file("A", single("same-id"))),
                              ("p/b.md", pack_file("B", single("other"), single("same-id")))])
    assert messages(result) == [
        "p/b.md:26: duplicate question id 'same-id' (first defined at p/a.md:9); give one of them another id"]


def test_yaml_error_points_at_its_line():
    text = "---\npack: demo\ntitle: [unclosed\nlanguage: en\n---\n\n" + single("x")
    result = compile_one(text)
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.path == "pack/topic.md" and problem.line in (3, 4)
    assert "front matter is not valid YAML" in problem.message


def test_non_utf8_file_is_reported_with_its_line():
    data = pack_file("T", single("x")).replace(b"Which type", b"Which \xe9 type")
    result = compile_one(data)
    assert messages(result) == [
        "pack/topic.md:13: file is not UTF-8 text (byte 0xe9 cannot be decoded); save the file as UTF-8"]


def test_every_error_of_every_file_is_reported_in_one_run():
    result = compile_sources([
        ("p/a.md", pack_file("A", single("a").replace("type: single", "type: nope"))),
        ("p/b.md", b"no front matter\n"),
        ("p/c.md", pack_file("C", single("c").replace("- [x]", "- [ ]"))),
    ])
    assert [p.path for p in result.problems] == ["p/a.md", "p/b.md", "p/c.md"]
    assert result.bank is None


def test_missing_source_is_an_error():
    text = "---\npack: demo\ntitle: T\n---\n\n" + single("x")
    result = compile_one(text)
    assert any("names no source" in p.message for p in result.problems)


def test_content_hash_changes_with_the_text_not_with_the_position():
    one = compile_sources([("p/a.md", pack_file("A", single("q1")))]).bank.questions[0]
    moved = compile_sources([("p/a.md", pack_file("A", single("q0", title="Another"), single("q1")))])
    assert moved.bank.questions[1].content_hash == one.content_hash
    edited = compile_sources([("p/a.md", pack_file("A", single("q1", right="ClusterIP (default)")))])
    assert edited.bank.questions[0].content_hash != one.content_hash


def test_compile_paths_reads_folders_and_reports_missing_paths(tmp_path: Path):
    (tmp_path / "topic.md").write_bytes(pack_file("T", single("q1")))
    (tmp_path / "README.md").write_text("# not a topic\n")
    ok = compile_paths([tmp_path])
    assert ok.ok and ok.files == 1
    missing = compile_paths([tmp_path / "nope"])
    assert "no such file or directory" in missing.problems[0].message


def test_a_front_matter_key_the_compiler_does_not_use_is_an_error_not_ignored():
    text = "---\npack: demo\ntitle: Demo\ndescription: What this topic covers\n---\n"
    result = compile_one(text)
    assert not result.ok
    assert any(m.startswith("pack/topic.md:4:") and "unknown front matter key 'description'" in m
               for m in messages(result)), messages(result)
