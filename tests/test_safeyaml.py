"""YAML from the web: aliases, anchors, depth and size are refused with the line; plain YAML loads."""
from __future__ import annotations

import pytest

from quizapp.safeyaml import UnsafeYAML, YAMLLimits, check_yaml, load_all

LAUGHS = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"


def test_plain_multi_document_yaml_loads():
    assert load_all("a: 1\n---\nb: [2, 3]\n") == [{"a": 1}, {"b": [2, 3]}]


def test_anchor_is_refused_at_its_line():
    with pytest.raises(UnsafeYAML) as caught:
        check_yaml("kind: Pod\nmetadata: &m {name: x}\n")
    assert caught.value.line == 2
    assert "anchor (&m)" in str(caught.value)


def test_alias_is_refused():
    with pytest.raises(UnsafeYAML, match="anchor|alias"):
        load_all(LAUGHS)


def test_depth_is_capped():
    with pytest.raises(UnsafeYAML, match="nested more than 5"):
        check_yaml("[" * 8 + "]" * 8, YAMLLimits(max_depth=5))


def test_size_is_capped_before_parsing():
    with pytest.raises(UnsafeYAML, match="at most 100 are accepted"):
        check_yaml("a: " + "x" * 200, YAMLLimits(max_bytes=100))


def test_node_count_is_capped():
    with pytest.raises(UnsafeYAML, match="more than 10 values"):
        check_yaml("[" + ", ".join(["1"] * 20) + "]", YAMLLimits(max_nodes=10))


def test_syntax_errors_are_left_to_the_parser():
    check_yaml("a: [1, 2\n")
