"""text2qti's Markdown quiz format -> quizapp Markdown that compiles, with a report of what was not carried over."""
from __future__ import annotations

from pathlib import Path

from quizapp.exchange.text2qti import import_text2qti, tokenize
from tests.exchange.helpers import compile_files

QUIZ = (Path(__file__).parent / "fixtures" / "text2qti-quiz.txt").read_text()


def test_quiz_imports_and_compiles():
    result = import_text2qti(QUIZ, "imported-ports")
    bank = compile_files(result.files)
    pack = bank.packs["imported-ports"]
    assert pack.title == "Ports and addresses"
    assert list(result.files) == ["ports-and-addresses.md"]
    questions = {q.slug: q for q in pack.questions}
    assert {s: q.qtype for s, q in questions.items()} == {
        "default-service-type": "single", "question-2": "multiple", "question-3": "short",
        "question-4": "truefalse", "question-5": "short", "question-7": "single", "default-service-type-2": "short",
    }
    single = questions["default-service-type"].data
    assert [(c["text"], c["correct"]) for c in single["choices"]] == [
        ("NodePort", False), ("ClusterIP", True), ("LoadBalancer", False)]
    assert "ClusterIP is the default." in single["explanation_html"]
    assert "Right: the default." in single["explanation_html"]  # per-choice feedback kept in the explanation
    multiple = questions["question-2"].data
    assert "(Select all that apply.)" in multiple["prompt_html"]  # continuation line
    assert [c["correct"] for c in multiple["choices"]] == [True, True, False]
    assert questions["question-3"].data["answers"] == ["127.0.0.11", "127.0.0.11:53"]
    assert questions["question-4"].data["answer"] is False
    assert questions["question-5"].data["answers"] == ["256"]


def test_report_lists_what_was_not_carried_over_with_line_numbers():
    result = import_text2qti(QUIZ, "imported-ports")
    by_line: dict[int, str] = {}
    for note in result.notes:
        by_line[note.line] = by_line.get(note.line, "") + " | " + note.message
    assert "quiz description" in by_line[2]
    assert "points (2)" in by_line[5]
    assert "feedback for one choice" in by_line[10]
    assert "if right" in by_line[22] and "if wrong" in by_line[23]
    assert "essay" in by_line[32]
    assert "Text:" in by_line[35]
    assert "question group" in by_line[37]
    assert "numerical range [1, 5]" in by_line[44]
    assert "taken" in by_line[48]
    assert "not understood" in by_line[50]
    assert "placeholder" in by_line[13]


def test_continuation_lines_and_paragraphs():
    tokens = tokenize("1.  First line\n    second line\n\n    second paragraph\na)  one\n*b) two\n", [])
    assert [(t.kind, t.text, t.line) for t in tokens] == [
        ("question", "First line\nsecond line\n\nsecond paragraph", 1), ("mctf_incorrect", "one", 5),
        ("mctf_correct", "two", 6)]
    result = import_text2qti("1.  First line\n    second line\n\n    second paragraph\na)  one\n*b) two\n", "t")
    question = compile_files(result.files).questions[0]
    assert question.data["prompt_html"].count("<p>") == 2
