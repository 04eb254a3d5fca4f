"""Property-based fuzzing (issue #13, item 7): the content compiler, the scenario loader, the YAML reader and
every import parser take arbitrary text built from their own syntax's fragments and answer with a result or
their typed error -- never another exception. Deterministic (derandomize) and bounded: a few hundred examples
each, under a minute in all."""
from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp import safeyaml
from quizapp.content.compiler import CompileResult, compile_sources
from quizapp.exchange import IMPORTERS, ImportResult
from quizapp.export import importing
from quizapp.sim import ScenarioError, load_scenario

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

NOISE = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def built_from(fragments: list[str], max_size: int = 40):
    """Text made of a syntax's fragments mixed with arbitrary characters, joined by line breaks or nothing."""
    piece = st.one_of(st.sampled_from(fragments), NOISE)
    return st.lists(st.tuples(piece, st.sampled_from(["\n", "", " ", "\n\n"])), max_size=max_size).map(
        lambda parts: "".join(text + sep for text, sep in parts))


MARKDOWN = ["---", "pack: fuzz-pack", "title: Fuzz", "sources: [https://example.org]", "language: en",
            "## Q {#q1}", "## Q {#Q 1}", "## {#}", "type: single", "type: multiple", "type: cloze", "type: sim",
            "type: truefalse", "type: short", "type: ordering", "type: matching", "type: flashcard", "### Choices",
            "### Answer", "### Explanation", "### Trace", "### Scenario", "### Back", "- [x] yes", "- [ ] no",
            "1. first", "- a -> b", "{{c1::x}}", "{{c2::y::hint}}", "{{c1::", "}}", "```yaml", "```", "true",
            "from: external", "to: 10.0.0.1:80", "ask: outcome", "vary:", "  p: [1, 2]", "${p}", "&a [1]", "*a",
            "shuffle: false", "difficulty: 9", "tags: [a, b]", " " * 50]

SCENARIO = ["---", "apiVersion: v1", "kind: Pod", "kind: Service", "kind: Node", "kind: Deployment",
            "kind: NetworkPolicy", "kind: List", "metadata: {name: web, labels: {app: web}}", "metadata:",
            "  name: x", "spec:", "  selector: {app: web}", "  ports: [{port: 80, targetPort: 8080}]",
            "  type: NodePort", "  nodeName: n1", "status: {podIP: 10.244.1.5}", "  podCIDR: 10.244.1.0/24",
            "items: []", "[", "]", "{", "}", "- ", ": ", "&a x", "*a", "!!python/object:os.system", "'", '"']

GIFT = ["::Title::", "Question {", "}", "=right", "~wrong", "~%50%half", "#feedback", "{T}", "{F}", "{#1:2}",
        "-> ", "=a -> b", "// comment", "$CATEGORY: x", "[html]", "[markdown]", "\\{", "\\=", "::", "{=", "~="]

TEXT2QTI = ["Title: Quiz", "1. What?", "*a) right", "b) wrong", "[*] yes", "[ ] no", "... feedback", "* 42",
            "= 3.0 +- 0.5", "___", "^^^", "GROUP", "END_GROUP", "pick: 1", "points: 2", "1.", "a)", "*"]


@FUZZ
@given(built_from(MARKDOWN), built_from(SCENARIO, 15))
def test_the_content_compiler_reports_problems_and_never_raises(markdown, scenario):
    files = {"fuzz/a.md": markdown.encode("utf-8", "surrogatepass"), "fuzz/s.yaml": scenario.encode()}
    result = compile_sources(sorted(files.items()), read_resource=lambda path, name: files.get("fuzz/" + name))
    assert isinstance(result, CompileResult)
    assert all(problem.line >= 1 and problem.message for problem in result.problems)


@FUZZ
@given(built_from(SCENARIO))
def test_the_scenario_loader_raises_only_scenario_errors(text):
    try:
        load_scenario(text, source="fuzz.yaml")
    except ScenarioError as error:
        assert error.problems
    for loader in (safeyaml.load_all, safeyaml.check_yaml):
        try:
            loader(text)
        except yaml.YAMLError:
            pass


MOODLE_XML = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>", "</quiz>", '<question type="multichoice">',
              '<question type="truefalse">', '<question type="shortanswer">', '<question type="matching">',
              "</question>", "<name><text>Q</text></name>", '<questiontext format="html"><text>',
              "</text></questiontext>", '<answer fraction="100"><text>a</text></answer>', '<answer fraction="x">',
              "<![CDATA[", "]]>", "<!DOCTYPE quiz [<!ENTITY e 'x'>]>", "&e;", "&amp;", "<subquestion>"]


def _zip_of(members):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


APKG = st.one_of(st.binary(max_size=200), st.lists(st.tuples(
    st.sampled_from(["collection.anki2", "collection.anki21", "media", "collection.anki21b", "x"]),
    st.binary(max_size=100)), max_size=3).map(_zip_of))
INPUTS = {"gift": built_from(GIFT), "text2qti": built_from(TEXT2QTI),
          "moodle-xml": built_from(MOODLE_XML).map(lambda text: text.encode("utf-8", "surrogatepass")),
          "apkg": APKG}


@FUZZ
@given(st.sampled_from(sorted(INPUTS)).flatmap(lambda fmt: st.tuples(st.just(fmt), INPUTS[fmt])))
def test_every_quiz_import_parser_returns_a_result_or_a_value_error(case):
    fmt, data = case
    try:
        result = IMPORTERS[fmt](data, "fuzz-pack")
    except ValueError:  # each importer's typed error (AnkiPackageError, ...) is a ValueError
        return
    assert isinstance(result, ImportResult)


def test_every_importer_has_a_fuzzer():
    assert set(INPUTS) == set(IMPORTERS)  # an importer added later needs its fragments here


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), NOISE),
                    lambda children: st.one_of(st.lists(children, max_size=4),
                                               st.dictionaries(NOISE, children, max_size=4)), max_leaves=30)
REVIEW = st.fixed_dictionaries({
    "pack": st.one_of(st.just("fixture-pack"), NOISE), "question": NOISE, "card": NOISE,
    "reviewed_at": st.one_of(st.just("2026-01-01T00:00:00+00:00"), NOISE, st.integers()),
    "rating": st.one_of(st.integers(-2, 6), st.booleans(), st.none()), "correct": st.one_of(st.booleans(), JSON),
    "answer": JSON, "response_ms": st.one_of(st.none(), st.integers()),
    "variant_seed": st.one_of(st.none(), st.integers()),
})
DOCUMENT = st.fixed_dictionaries({"format": st.one_of(st.just("quizapp-progress"), NOISE),
                                  "version": st.one_of(st.just(1), JSON),
                                  "learner": st.one_of(st.fixed_dictionaries({"settings": JSON}), JSON),
                                  "card_states": st.one_of(st.lists(JSON, max_size=3), JSON),
                                  "reviews": st.one_of(st.lists(REVIEW, max_size=5), JSON)})


@FUZZ
@given(st.one_of(DOCUMENT, JSON))
def test_the_progress_import_reader_raises_only_import_problems(document):
    json.dumps(document, default=str)  # what a file could hold
    try:
        importing.read_document(document)
    except importing.ImportProblem as problem:
        assert problem.problems and all(p.startswith("$") for p in problem.problems)
