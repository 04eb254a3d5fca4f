"""Author input compiled safely (issue #13, item 2): no YAML anchors or aliases (the 1 KB alias bomb that grew a
worker to 1.3 GB), deep YAML refused with its line, caps on `vary:` with sampling that never builds the whole
product, and linear-time parsing of cloze marks and headings (the inputs that stopped the site for 30 s and 6 s)."""
from __future__ import annotations

import time

import pytest
import yaml

from quizapp import safeyaml
from quizapp.content.compiler import compile_sources
from quizapp.content.sim_type import MAX_VARIANTS, variant_combinations
from tests.instructor.helpers import SCENARIO, md, sim

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(9))}]\n" for i in range(8))


def compiled(files: dict[str, bytes]):
    return compile_sources(sorted(files.items()), read_resource=lambda path, name: files.get(
        path.rsplit("/", 1)[0] + "/" + name))


def messages(result) -> str:
    return "\n".join(str(p) for p in result.problems)


def test_safeyaml_refuses_aliases_anchors_depth_and_size():
    assert safeyaml.load("a: 1\nb: [1, {c: d}]\n") == {"a": 1, "b": [1, {"c": "d"}]}
    for text, words in ((BOMB, "an anchor (&a) is not accepted"), ("a: *x\n", "an alias (*x)"),
                        ("[" * 100 + "]" * 100, "nested more than"), ("a: " + "x" * (2 << 20), "at most"),
                        ("a: 1\x00", "NUL")):
        with pytest.raises(yaml.YAMLError) as error:
            safeyaml.load(text)
        assert words in error.value.problem


def test_an_alias_bomb_in_a_trace_expectation_is_refused_quickly():
    question = sim().replace("expect: 10.244.1.5:8080\n", "expect: &a [x, x, x, x, x, x, x, x, x]\n"
                             "hint: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n")
    files = {"p/q.md": md("bomb-pack", "Bombs", question), "p/scenarios/cluster.yaml": SCENARIO.encode()}
    started = time.monotonic()
    result = compiled(files)
    assert time.monotonic() - started < 5
    assert "an anchor (&a) is not accepted" in messages(result)


def test_an_alias_bomb_in_a_scenario_file_is_refused_with_its_file_and_line():
    files = {"p/q.md": md("bomb-pack", "Bombs", sim()),
             "p/scenarios/cluster.yaml": (SCENARIO + "---\n" + BOMB).encode()}
    started = time.monotonic()
    result = compiled(files)
    assert time.monotonic() - started < 5
    text = messages(result)
    assert "p/scenarios/cluster.yaml" in text and "an anchor (&a) is not accepted" in text


def test_anchors_in_front_matter_and_deep_yaml_are_problems_not_crashes():
    front = b"---\npack: &p deep-pack\ntitle: *p\nsources: [https://example.org]\n---\n\n"
    assert "an anchor (&p) is not accepted" in messages(compiled({"p/a.md": front}))
    deep = b"---\npack: deep-pack\ntitle: T\nsources: " + b"[" * 100 + b"]" * 100 + b"\n---\n\n"
    assert "nested more than" in messages(compiled({"p/a.md": deep}))


def test_vary_is_capped_and_sampled_without_building_the_product():
    huge = {f"p{i}": list(range(64)) for i in range(8)}  # 64**8 = 2.8e14 combinations
    started = time.monotonic()
    combos = variant_combinations(huge)
    assert time.monotonic() - started < 0.5
    assert len(combos) == MAX_VARIANTS and combos[0] == {f"p{i}": 0 for i in range(8)}
    assert len({tuple(sorted(c.items())) for c in combos}) == MAX_VARIANTS
    question = sim().replace("vary:\n  nodePort: [30080, 31000, 32100]", "vary:\n" + "".join(
        f"  p{i}: [1, 2]\n" for i in range(9)) + "  nodePort: [30080]")
    files = {"p/q.md": md("vary-pack", "Vary", question), "p/scenarios/cluster.yaml": SCENARIO.encode()}
    assert "at most 8" in messages(compiled(files))


def test_cloze_marks_and_headings_parse_in_linear_time():
    cloze = "## Cloze {#c}\n\ntype: cloze\n\n" + "{{c1::" * 1000 + "\n\n### Explanation\n\nx\n"
    heading = "## " + " " * 30_000 + "\n\ntype: truefalse\n\nYes?\n\n### Answer\n\ntrue\n"
    for body in (cloze, heading, "## Many {#m}\n\ntype: cloze\n\n" + " ".join(
            f"{{{{c{i}::x}}}}" for i in range(1, 500)) + "\n"):
        started = time.monotonic()
        result = compiled({"p/a.md": md("slow-pack", "Slow", body)})
        assert time.monotonic() - started < 2, body[:40]
        assert result.problems  # each is refused with a message, not hung on
