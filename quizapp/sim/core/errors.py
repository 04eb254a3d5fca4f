"""Errors raised by the simulator: invalid scenarios and invalid trace requests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One reason a scenario is refused.

    ``document`` is the 1-based index of the YAML document (or of the dict in the list given to
    ``load_scenario_documents``); ``line`` the 1-based line, relative to the text passed in, where the
    offending field (or, failing that, its nearest enclosing field) starts; ``None`` when the scenario
    came from Python dicts and there is no text. ``path`` is a field path such as
    ``spec.ports[0].nodePort`` (empty for the document as a whole).
    """

    document: int | None
    line: int | None
    path: str
    message: str

    def format(self, source: str = "<scenario>") -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        parts = []
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.path:
            parts.append(self.path)
        head = ", ".join(parts)
        return f"{where}: {head}: {self.message}" if head else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario was refused. ``problems`` lists every reason found (not only the first)."""

    def __init__(self, problems: list[Problem], source: str = "<scenario>"):
        self.problems = list(problems)
        self.source = source
        super().__init__("\n".join(p.format(source) for p in self.problems))


class TraceError(ValueError):
    """A trace request (``--from`` / ``--to``) does not name anything in the scenario or is malformed."""
