"""Loading a scenario: YAML (or parsed documents) in, a :class:`~quizapp.sim.core.model.Scenario` out, or a
:class:`~quizapp.sim.core.errors.ScenarioError` listing every problem with its document, line and field.

Documents are sorted by kind (``List`` items are read) and their fields checked (:mod:`quizapp.sim.kubernetes.fields`), then the
Kubernetes half (:mod:`quizapp.sim.kubernetes.loader`) and the Docker half (:mod:`quizapp.sim.docker.loader`)
are built.
"""

from __future__ import annotations

from typing import Any

from .core.context import BuildState, Ctx, plain_copy
from .core.errors import Problem, ScenarioError
from .kubernetes.fields import check_document
from .core.model import Scenario
from .core.source import Document, join, parse_yaml
from .docker.loader import KINDS as DOCKER_KINDS
from .docker.loader import build_docker_host, index_docker
from .kubernetes.l7_build import REFUSED_KINDS
from .kubernetes.loader import KINDS as KUBERNETES_KINDS
from .kubernetes.loader import build_kubernetes
from .kubernetes.model import Cluster
from quizapp.words import say

_API = {**KUBERNETES_KINDS, **DOCKER_KINDS, "List": {"v1"}}
_QUIZAPP_KINDS = {"DockerHost", "Cluster"}


def load_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Load a multi-document YAML scenario. Raises :class:`ScenarioError` listing every problem."""
    docs, problems = parse_yaml(text, source)
    if problems:
        raise ScenarioError(problems, source)
    return _build(docs, source)


def load_scenario_documents(documents: list[Any], source: str = "<scenario>") -> Scenario:
    """Load a scenario from already-parsed documents (a list of dicts, e.g. edited by a variant generator).

    Problems carry the 1-based index of the dict in ``documents`` and no line number.
    """
    if not isinstance(documents, (list, tuple)):
        raise ScenarioError([Problem(None, None, "", say('expected a list of documents (dicts)'))], source)
    docs = [Document(i + 1, plain_copy(d)) for i, d in enumerate(documents) if d is not None]
    return _build(docs, source)


class _Builder:
    def __init__(self, docs: list[Document], source: str):
        self.docs = docs
        self.source = source
        self.state = BuildState(Scenario(source, [d.data for d in docs], Cluster()))
        self.by_kind: dict[str, list[tuple[Ctx, dict]]] = {}

    def build(self) -> Scenario:
        for doc in self.docs:
            self._classify(Ctx(doc), doc.data, "")
        build_kubernetes(self.state, self.by_kind)
        for ctx, obj in self.by_kind.get("DockerHost", []):
            build_docker_host(self.state, ctx, obj)
        index_docker(self.state)
        scn = self.state.scn
        problems = [p for d in self.docs for p in d.problems]
        if problems:
            # one document may have collected problems through several child contexts: dedupe, keep order
            seen = set()
            unique = []
            for p in problems:
                if p not in seen:
                    seen.add(p)
                    unique.append(p)
            unique.sort(key=lambda p: (p.document or 0, p.line or 0))
            raise ScenarioError(unique, self.source)
        scn.has_kubernetes = bool(scn.nodes)
        return scn

    def _classify(self, ctx: Ctx, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            ctx.err(path, say('a document must be a mapping with apiVersion and kind, not {type_name}', type_name=type(data).__name__))
            return
        kind = data.get("kind")
        if kind is None:
            ctx.err(join(path, "kind"), say('Required value: every document needs a kind (Node, Pod, Service, Deployment, EndpointSlice, DockerHost, Cluster)'))
            return
        if kind not in _API:
            ctx.err(join(path, "kind"), say('unknown kind {kind}: the simulator models {api}', kind=repr(kind), api=', '.join(sorted((k for k in _API if k not in REFUSED_KINDS)))))
            return
        api = data.get("apiVersion")
        if api is None:
            if kind not in _QUIZAPP_KINDS:
                ctx.err(join(path, "apiVersion"), say('Required value: apiVersion not set (kind {kind} is {api_version})', kind=kind, api_version=sorted(_API[kind])[0]))
                return
        elif api not in _API[kind]:
            ctx.err(join(path, "apiVersion"), say('no matches for kind "{kind}" in version "{api}": use apiVersion {api_version}', kind=kind, api=api, api_version=sorted(_API[kind])[0]))
            return
        if kind == "List":
            for i, item in enumerate(ctx.seq(data.get("items"), join(path, "items"))):
                sub = Ctx(ctx.doc.child(f"items[{i}]", item))
                self._classify(sub, item, "")
            return
        self._check_fields(ctx, kind, data)
        self.by_kind.setdefault(kind, []).append((ctx, data))

    def _check_fields(self, ctx: Ctx, kind: str, data: dict) -> None:
        """Unknown fields and fields that change traffic without being modelled are refused; fields that
        Kubernetes itself ignores are warned about (:mod:`quizapp.sim.kubernetes.fields`)."""
        for path, level, message in check_document(kind, data):
            if level == "error":
                ctx.err(path, message)
            else:
                doc = ctx.doc
                where = Problem(doc.index, doc.line_of(path), doc.full_path(path), message)
                place = f"{self.source}:{where.line}" if where.line is not None else self.source
                self.state.scn.warning(say("{place}: {problem}", place=place, problem=where.described()))


def _build(docs: list[Document], source: str) -> Scenario:
    b = _Builder(docs, source)
    scn = b.build()
    if b.state.problems:
        raise ScenarioError(b.state.problems, source)
    return scn
