"""YAML from authors and the web, read safely: PyYAML's safe loader, plus no anchors or aliases and caps on
size, nesting and node count. Pure (stdlib, PyYAML and quizapp.words): the content compiler, the simulator and
the lab import it. Its refusals are messages (`say()`, the `yaml` catalogue), rendered in a reader's language by
the lab and the compiler; `str()` and `message` stay English.

Why: a few hundred bytes of nested aliases ("billion laughs") compose into a small graph that anything walking
the data (printing `expect:`, checking a scenario) expands exponentially -- a 1 KB upload grew a worker to
1.3 GB; and composing is recursive, so deep nesting exhausts the stack. Hand-written quizapp files never need
aliases, so they are refused with the line to fix.

    from quizapp.safeyaml import UnsafeYAML, check_yaml, load, load_all, compose
    try:
        documents = load_all(text)          # or check_yaml(text) before handing the text to another parser
    except UnsafeYAML as error:             # a limit: error.line (1-based), error.message (English), error.said
        ...
    except yaml.YAMLError as error:         # a syntax error (UnsafeYAML is one too: problem, problem_mark)
        ...
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from quizapp.words import Said, say

# LibYAML's parser when PyYAML was built with it: the pure-Python one takes ~40 ms for a 100-line scenario.
_EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 256 * 1024  # one YAML block, front matter or scenario file
MAX_DEPTH = 40  # nesting of mappings and lists (a Kubernetes manifest needs about 10)
MAX_NODES = 100_000


@dataclass(frozen=True)
class YAMLLimits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


class UnsafeYAML(yaml.MarkedYAMLError, ValueError):
    """Refused by a limit (not a syntax error). ``line`` is 1-based (None for the text as a whole); being a
    `yaml.MarkedYAMLError`, existing `except yaml.YAMLError` handlers read `problem` and `problem_mark`."""

    def __init__(self, message: str | Said, line: int | None = None):
        mark = yaml.Mark("<yaml>", 0, line - 1, 0, None, None) if line else None
        super().__init__(None, None, str(message), mark)
        self.line = line
        self.message = str(message)  # English; ``said``: the message, to render in a reader's language
        self.said = message if isinstance(message, Said) else None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message

    def __reduce__(self) -> tuple[Any, ...]:  # crosses the sandbox's pipe intact
        return (UnsafeYAML, (self.said or self.message, self.line))


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _check_events(text: str, limits: YAMLLimits) -> None:
    """Walk the parser's events (no objects built): refuse aliases, anchors, deep nesting, too many values.
    A syntax error ends the walk silently: the real parse that follows reports it where it is."""
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=_EVENT_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise UnsafeYAML(say("an alias (*{anchor}) is not accepted here; write the value out in full",
                                     anchor=event.anchor), _line(event))
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                raise UnsafeYAML(say("an anchor (&{anchor}) is not accepted here; write the value out where it is used",
                                     anchor=event.anchor), _line(event))
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limits.max_depth:
                    raise UnsafeYAML(say("nested more than {depth} levels deep", depth=limits.max_depth), _line(event))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > limits.max_nodes:
                    raise UnsafeYAML(say("more than {nodes:,} values", nodes=limits.max_nodes), _line(event))
    except UnsafeYAML:
        raise
    except yaml.YAMLError:
        return


def _checked(text: str | bytes, limits: YAMLLimits | None) -> str:
    limits = limits or YAMLLimits()
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise UnsafeYAML(say("the text is {size:,} bytes; at most {limit:,} are accepted. Remove what is not needed, "
                             "or split it.", size=size, limit=limits.max_bytes))
    if "\x00" in text:
        raise UnsafeYAML(say("the text contains a NUL character"), text.count("\n", 0, text.index("\x00")) + 1)
    _check_events(text, limits)
    return text


def compose_all(text: str | bytes, limits: YAMLLimits | None = None) -> list[yaml.Node]:
    """Every document's node tree (line numbers in `start_mark`); raises yaml.YAMLError (UnsafeYAML)."""
    return list(yaml.compose_all(_checked(text, limits), Loader=_EVENT_LOADER))


def compose(text: str | bytes, limits: YAMLLimits | None = None) -> yaml.Node | None:
    """The single document's node tree (None for an empty text); raises yaml.YAMLError."""
    nodes = compose_all(text, limits)
    if len(nodes) > 1:
        raise UnsafeYAML(say("expected one YAML document, found several (a `---` line inside?)"),
                         nodes[1].start_mark.line + 1)
    return nodes[0] if nodes else None


def construct(node: yaml.Node | None) -> Any:
    """The Python values (as SafeLoader types them) of a node composed here."""
    if node is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load(text: str | bytes, limits: YAMLLimits | None = None) -> Any:
    """`yaml.safe_load` within the limits; raises yaml.YAMLError (UnsafeYAML for a limit)."""
    return construct(compose(text, limits))


def load_all(text: str | bytes, limits: YAMLLimits | None = None) -> list[Any]:
    """Every document of a multi-document YAML text. UnsafeYAML for a limit, yaml.YAMLError for bad syntax."""
    return [construct(node) for node in compose_all(text, limits)]


def check_yaml(text: str | bytes, limits: YAMLLimits | None = None) -> None:
    """Raise UnsafeYAML when the text is too big, uses anchors/aliases or nests too deep. Syntax errors are left
    to the parser that follows (it reports them with its own line numbers)."""
    _checked(text, limits)
