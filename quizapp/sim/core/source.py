"""Reading scenario documents while remembering where each field was written.

Multi-document YAML is composed with PyYAML's node API so every field path
(``spec.ports[0].nodePort``) maps to the line where it starts in the text given to us.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from quizapp.safeyaml import UnsafeYAML, YAMLLimits, check_yaml

from .errors import Problem
from quizapp.words import Said, say

try:  # the C loader is much faster for big scenarios
    _Loader = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

# A scenario file may be far bigger than one author block (a cluster's manifests), so the size and node caps are
# wider than safeyaml's defaults; aliases and anchors are refused all the same (an alias bomb of a few hundred
# bytes expands exponentially when the documents are walked) and nesting stays bounded (composing recurses).
SCENARIO_LIMITS = YAMLLimits(max_bytes=16 * 1024 * 1024, max_depth=64, max_nodes=2_000_000)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def join(path: str, key: Any) -> str:
    """Append a mapping key (str) or a list index (int) to a field path."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = str(key)
    if _IDENT.match(key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


@dataclass
class Document:
    """One scenario document: its data, its 1-based index and (when it came from text) its lines."""

    index: int
    data: Any
    start_line: int | None = None
    lines: dict[str, int] | None = None
    prefix: str = ""  # for items of a kind: List, the path of the item ("items[3]")
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: str) -> int | None:
        """Line of ``path``; of its nearest recorded ancestor when the field itself is absent."""
        if self.lines is None:
            return None
        p = self.full_path(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = _parent(p)
        return self.lines.get("", self.start_line)

    def full_path(self, path: str) -> str:
        if not self.prefix:
            return path
        if not path:
            return self.prefix
        return self.prefix + (path if path.startswith("[") else "." + path)

    def problem(self, path: str, message: str | Said, docker: str | None = None) -> Problem:
        p = Problem(self.index, self.line_of(path), self.full_path(path), message, docker=docker)
        self.problems.append(p)
        return p

    def child(self, prefix_path: str, data: Any) -> "Document":
        """A sub-document (an item of ``kind: List``) sharing this document's index and lines."""
        return Document(self.index, data, self.start_line, self.lines, self.full_path(prefix_path), self.problems)


def _parent(path: str) -> str:
    if path.endswith("]"):
        i = path.rfind("[")
        return path[:i]
    i = path.rfind(".")
    return path[:i] if i >= 0 else ""


def _record_lines(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            p = join(path, key)
            lines.setdefault(p, key_node.start_mark.line + 1)
            _record_lines(value_node, p, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            p = join(path, i)
            lines.setdefault(p, item.start_mark.line + 1)
            _record_lines(item, p, lines)


def parse_yaml(text: str, source: str = "<scenario>") -> tuple[list[Document], list[Problem]]:
    """Split ``text`` into documents. Returns the documents and any YAML syntax problems, or the one limit of
    :data:`SCENARIO_LIMITS` it breaks (anchors and aliases, nesting, size; :mod:`quizapp.safeyaml`)."""
    docs: list[Document] = []
    problems: list[Problem] = []
    try:
        check_yaml(text, SCENARIO_LIMITS)
    except UnsafeYAML as exc:
        return docs, [Problem(None, exc.line, "", exc.said or exc.message)]
    loader = _Loader(text)
    index = 0
    try:
        while loader.check_node():
            index += 1
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            lines: dict[str, int] = {}
            start = node.start_mark.line + 1
            lines[""] = start
            _record_lines(node, "", lines)
            docs.append(Document(index, data, start, lines))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = exc.problem or str(exc)
        if exc.context:
            started = ""
            if exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
                started = f" (started on line {exc.context_mark.line + 1})"
            msg = f"{exc.context}{started}, {msg}"
        problems.append(Problem(index + 1 if index == 0 else index, line, "", say('YAML syntax error: {msg}', msg=msg)))
    except yaml.YAMLError as exc:  # pragma: no cover - defensive
        problems.append(Problem(index or 1, None, "", say('YAML error: {exc}', exc=exc)))
    finally:
        loader.dispose()
    return docs, problems
