"""YAML from the web: size-capped, no anchors or aliases, bounded nesting.

PyYAML's safe loader builds only plain data, but it still expands aliases (a few hundred bytes can stand for
billions of nodes: "billion laughs") and nests as deep as the text says. `check_yaml` walks the parser's
events (no objects are built) and refuses what a hand-written scenario never needs; `load_all` then parses.

    from quizapp.safeyaml import UnsafeYAML, check_yaml, load_all
    try:
        documents = load_all(text)          # or check_yaml(text) before handing the text to a parser
    except UnsafeYAML as error:
        error.line, str(error)              # 1-based line and a message that says what to do
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

# LibYAML's event parser when PyYAML was built with it: the pure-Python one takes ~40 ms for a 100-line scenario.
_EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 256 * 1024
MAX_DEPTH = 40
MAX_NODES = 100_000


@dataclass(frozen=True)
class YAMLLimits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


class UnsafeYAML(ValueError):
    """Refused before parsing. ``line`` is 1-based (None for the text as a whole)."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


def _line(event: yaml.Event) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def check_yaml(text: str, limits: YAMLLimits | None = None) -> None:
    """Raise UnsafeYAML when the text is too big, uses anchors/aliases or nests too deep.

    Syntax errors are left to the parser that follows (it reports them with its own line numbers).
    """
    limits = limits or YAMLLimits()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise UnsafeYAML(f"the text is {size:,} bytes; at most {limits.max_bytes:,} are accepted. "
                         "Remove what the exercise does not need.")
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=_EVENT_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise UnsafeYAML(f"an alias (*{event.anchor}) is not accepted here; write the value out in full",
                                 _line(event))
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                raise UnsafeYAML(f"an anchor (&{event.anchor}) is not accepted here; write the value out where "
                                 "it is used", _line(event))
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limits.max_depth:
                    raise UnsafeYAML(f"nested more than {limits.max_depth} levels deep", _line(event))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > limits.max_nodes:
                    raise UnsafeYAML(f"more than {limits.max_nodes:,} values", _line(event))
    except yaml.YAMLError:
        return  # a syntax error: the real parse reports it where it is


def load_all(text: str, limits: YAMLLimits | None = None) -> list[Any]:
    """Every document of a multi-document YAML text, after `check_yaml`. yaml.YAMLError for bad syntax."""
    check_yaml(text, limits)
    return list(yaml.safe_load_all(text))
