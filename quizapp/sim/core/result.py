"""The result of one traced connection (:class:`TraceResult`) and its readable form (:func:`format_trace`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_EXTERNAL_IP = "203.0.113.10"
REASONS = ("refused", "timeout", "unreachable", "nxdomain")


@dataclass
class EndpointRef:
    kind: str  # pod | container | node | host
    name: str
    ip: str
    port: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "ip": self.ip, "port": self.port}


@dataclass
class TraceResult:
    """The outcome of one traced connection. :meth:`to_dict` is the ``--json`` object of issue 3."""

    delivered: bool
    endpoint: EndpointRef | None
    candidates: list[EndpointRef]
    source_ip_seen: str | None
    reason: str | None
    hops: list[dict[str, Any]]
    src: str = ""
    dst: str = ""
    seed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self, words: bool = False) -> dict[str, Any]:
        """The JSON object. Hops are English (`where`, `what`); with `words`, each hop also keeps its message ids
        and parameters (``words``: see :mod:`quizapp.words`) so that a web page can show it in the reader's
        language. The CLI's ``--json`` and the JSON API leave them out."""
        return {
            "delivered": self.delivered,
            "endpoint": self.endpoint.to_dict() if self.endpoint else None,
            "candidates": [c.to_dict() for c in self.candidates],
            "source_ip_seen": self.source_ip_seen,
            "reason": self.reason,
            "hops": [dict(h) if words else {k: v for k, v in h.items() if k != "words"} for h in self.hops],
        }


def _change_text(ch: dict[str, Any]) -> str:
    t = ch.get("type")
    if t in ("DNAT", "SNAT"):
        return f"[{t} {ch['before']} -> {ch['after']}]"
    if t == "encap":
        return f"[encap {ch['outer']}]"
    if t == "decap":
        return f"[decap {ch.get('outer', '')}]".replace(" ]", "]")
    if t == "proxy":
        extra = f" {ch['before']} => {ch['after']}" if "before" in ch else ""
        return f"[proxy{extra}]"
    return "[" + " ".join(f"{k}={v}" for k, v in ch.items()) + "]"


def format_trace(result: TraceResult) -> str:
    """The trace, readable: a header, one hop a line, the outcome."""
    lines = [f"trace {result.src} -> {result.dst} (seed {result.seed})"]
    width = len(str(len(result.hops)))
    for i, h in enumerate(result.hops, 1):
        text = f"{str(i).rjust(width)}. {h['where']}: {h['what']}"
        if h.get("change"):
            text += " " + _change_text(h["change"])
        lines.append(text)
    if result.delivered and result.endpoint:
        e = result.endpoint
        lines.append(f"delivered to {e.kind}/{e.name} at {e.ip}:{e.port}; the process sees source {result.source_ip_seen}")
    else:
        lines.append(f"not delivered: {result.reason}")
    if len(result.candidates) > 1:
        lines.append("candidates: " + ", ".join(f"{c.kind}/{c.name} {c.ip}:{c.port}" for c in result.candidates))
    return "\n".join(lines)
