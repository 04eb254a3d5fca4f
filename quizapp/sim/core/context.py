"""Reading scenario documents field by field, and the state every kind's builder shares.

:class:`Ctx` wraps one :class:`~quizapp.sim.core.source.Document` and checks a field's type, reporting a problem
with the document, line and field path when it is wrong. :class:`BuildState` is what the Kubernetes and Docker
builders share while a scenario is loaded: the scenario being built and the LAN addresses already taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Problem
from .model import Scenario
from .source import Document, join
from quizapp.words import Said, say


def plain_copy(obj: Any) -> Any:
    """A deep copy of plain YAML data (dicts, lists, scalars), several times faster than copy.deepcopy."""
    if isinstance(obj, dict):
        return {k: plain_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain_copy(v) for v in obj]
    return obj


@dataclass
class BuildState:
    """Shared by the per-kind builders while one scenario is loaded."""

    scn: Scenario
    problems: list[Problem] = field(default_factory=list)  # problems not tied to a document's line
    lan_ips: dict[str, str] = field(default_factory=dict)  # ip -> "node/x" | "host/y"


class Ctx:
    """Typed access to the fields of one document; every wrong field becomes a problem of that document."""

    def __init__(self, doc: Document):
        self.doc = doc

    def err(self, path: str, message: str | Said, docker: str | None = None) -> None:
        self.doc.problem(path, message, docker)

    def mapping(self, obj: Any, path: str, required: bool = False) -> dict:
        if obj is None:
            if required:
                self.err(path, say('Required value: this field must be set'))
            return {}
        if not isinstance(obj, dict):
            self.err(path, say('must be a mapping, not {type_name}', type_name=type(obj).__name__))
            return {}
        return obj

    def seq(self, obj: Any, path: str) -> list:
        if obj is None:
            return []
        if not isinstance(obj, list):
            self.err(path, say('must be a list, not {type_name}', type_name=type(obj).__name__))
            return []
        return obj

    def string(self, obj: dict, key: str, path: str, required: bool = False, default: str | None = None) -> str | None:
        v = obj.get(key)
        if v.__class__ is str:
            return v
        p = join(path, key)
        if v is None:
            if required:
                self.err(p, say('Required value: this field must be set'))
            return default
        self.err(p, say('must be a string, not {type_name} {v}; quote it', type_name=type(v).__name__, v=repr(v)))
        return default

    def integer(self, obj: dict, key: str, path: str, lo: int, hi: int, required: bool = False) -> int | None:
        v = obj.get(key)
        if v.__class__ is int and lo <= v <= hi:
            return v
        p = join(path, key)
        if v is None:
            if required:
                self.err(p, say('Required value: this field must be set'))
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            self.err(p, say('Invalid value: {v}: must be an integer', v=repr(v)))
            return None
        if not lo <= v <= hi:
            self.err(p, say('Invalid value: {v}: must be between {lo} and {hi}, inclusive', v=v, lo=lo, hi=hi))
            return None
        return v

    def boolean(self, obj: dict, key: str, path: str, default: bool = False) -> bool:
        v = obj.get(key)
        if v is None:
            return default
        if not isinstance(v, bool):
            self.err(join(path, key), say('Invalid value: {v}: must be true or false', v=repr(v)))
            return default
        return v

    def labels(self, obj: Any, path: str) -> dict[str, str]:
        m = self.mapping(obj, path)
        out = {}
        for k, v in m.items():
            if not isinstance(v, str):
                self.err(join(path, k), say('Invalid value: {v}: label and annotation values must be strings; quote it', v=repr(v)))
                continue
            out[str(k)] = v
        return out
