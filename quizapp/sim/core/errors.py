"""Errors raised by the simulator: invalid scenarios and invalid trace requests.

Every message is said as a :class:`~quizapp.words.Said` (``say("unknown kind {kind!r}...", kind=...)``, the
``sim`` catalogue, as the hop texts are): ``str()`` of a problem or an error is the English text the CLI, the
logs and the tests read, and an edge that knows its reader (the lab's pages, the JSON API, ``content check`` on a
pack written in Chinese) renders the same message in the reader's language with :meth:`Problem.text` or
:func:`error_text`. Field paths, option names, addresses and values are parameters and stay verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quizapp.words import Said, render, say

@dataclass(frozen=True)
class Problem:
    """One reason a scenario is refused.

    ``document`` is the 1-based index of the YAML document (or of the dict in the list given to
    ``load_scenario_documents``); ``line`` the 1-based line, relative to the text passed in, where the
    offending field (or, failing that, its nearest enclosing field) starts; ``None`` when the scenario
    came from Python dicts and there is no text. ``path`` is a field path such as
    ``spec.ports[0].nodePort`` (empty for the document as a whole). ``message`` is the English text; ``said``
    the message it was said as (:meth:`text` renders it in a language).
    """

    document: int | None
    line: int | None
    path: str
    message: str  # English; given a Said, the Said is kept in ``said``
    said: Said | None = field(default=None, compare=False, repr=False)
    # Docker's own words when the problem is a refusal the real engine makes (a DockerRefusal); None when the
    # simulator refuses for a reason of its own (what it does not model, a malformed document)
    docker: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.message, Said):
            object.__setattr__(self, "said", self.message)
            object.__setattr__(self, "message", str(self.message))

    def described(self) -> Said | str:
        """What is wrong and where in the document (``document 2, spec.ports[0]: ...``), without the line."""
        message = self.said if self.said is not None else self.message
        if self.document is not None and self.path:
            return say("document {document}, {path}: {message}", document=self.document, path=self.path,
                       message=message)
        if self.document is not None:
            return say("document {document}: {message}", document=self.document, message=message)
        if self.path:
            return say("{path}: {message}", path=self.path, message=message)
        return message

    def text(self, language: str | None = None) -> str:
        """:meth:`described` in `language` (English when None or untranslated)."""
        return render(self.described(), language, "sim")

    def format(self, source: str = "<scenario>", language: str | None = None) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        return f"{where}: {self.text(language)}"


class ScenarioError(ValueError):
    """A scenario was refused. ``problems`` lists every reason found (not only the first)."""

    def __init__(self, problems: list[Problem], source: str = "<scenario>"):
        self.problems = list(problems)
        self.source = source
        super().__init__("\n".join(p.format(source) for p in self.problems))

    def text(self, language: str | None = None) -> str:
        return "\n".join(p.format(self.source, language) for p in self.problems)


class TraceError(ValueError):
    """A trace request (``--from`` / ``--to``) does not name anything in the scenario or is malformed."""


def said_of(error: BaseException) -> Said | str:
    """The message `error` was raised with: the :class:`Said` when the simulator said one, else its text."""
    if len(error.args) == 1 and isinstance(error.args[0], Said):
        return error.args[0]
    return str(error)


def error_text(error: BaseException, language: str | None = None) -> str:
    """`error`'s message in `language` (English when None or untranslated)."""
    return render(said_of(error), language, "sim")


def cannot_trace(error: BaseException, src: str | None = None, dst: str | None = None) -> Said:
    """A refused trace request as the lab and the grader report it: ``cannot trace SRC -> DST: <why>``."""
    if src is None or dst is None:
        return say("cannot trace: {error}", error=said_of(error))
    return say("cannot trace {src} -> {dst}: {error}", src=src, dst=dst, error=said_of(error))


def not_yaml(error: BaseException) -> Said:
    """A text the YAML parser refuses (PyYAML's own words stay English)."""
    return say("not valid YAML: {error}", error=str(error))


class Warnings(list):
    """Warnings: a list of their English texts (as every reader of ``warnings`` expects) that also keeps the
    messages they were said as (``said``: :class:`Said` or plain text), to render in a reader's language."""

    def __init__(self, messages: Any = ()) -> None:
        super().__init__()
        self.said: list[Any] = []
        self.extend(messages)

    def append(self, message: Any) -> None:
        super().append(str(message))
        # (an unpickled or copied list appends its items before its ``said`` is restored)
        self.__dict__.setdefault("said", []).append(message)

    def extend(self, messages: Any) -> None:
        for message in messages:
            self.append(message)
