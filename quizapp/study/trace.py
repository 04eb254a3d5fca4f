"""Draws a packet's hop-by-hop trace as a server-rendered SVG diagram.

A trace is the simulator's trace dict (`hops`, `delivered`, `endpoint`, `source_ip_seen`, `reason`) or just a
list of hops. Each hop is a dict: `where` (the place: an interface, a namespace, a chain), `what` (what happens
there) and `change` (what the hop changed in the packet: the simulator's dict such as
`{"type": "DNAT", "before": "10.96.0.10:80", "after": "10.244.1.5:8080"}`, or plain text; empty when nothing
changed). The outcome (delivered or not) is drawn as a last box. The drawing is a vertical chain of boxes,
so it reads the same on a phone and a desktop.
"""
from __future__ import annotations

import textwrap
from typing import Any, Iterable, Mapping

from markupsafe import Markup, escape

WIDTH = 640
PAD = 12
BOX_X = 44
BOX_W = WIDTH - BOX_X - PAD
LINE = 17
CHARS = 74  # characters per line at 13px in the box width
GAP = 22  # room for the arrow between boxes


def _lines(text: str, width: int = CHARS) -> list[str]:
    return textwrap.wrap(str(text), width=width, break_long_words=True, break_on_hyphens=False) or [""]


def change_text(change: Any) -> str:
    """A hop's change in words: `DNAT 10.96.0.10:80 → 10.244.1.5:8080`, `encap 192.168.1.2 → 192.168.1.3`."""
    if not change:
        return ""
    if not isinstance(change, Mapping):
        return str(change)
    kind = change.get("type", "")
    if "before" in change and "after" in change:
        return f"{kind} {change['before']} \u2192 {change['after']}".strip()
    if "outer" in change:
        return f"{kind} {change['outer']}".strip()
    rest = " ".join(f"{key}={value}" for key, value in change.items() if key != "type")
    return f"{kind} {rest}".strip()


def outcome_hop(trace: Mapping[str, Any]) -> dict[str, Any] | None:
    """The trace's outcome as a final box."""
    if "delivered" not in trace:
        return None
    if trace["delivered"]:
        endpoint = trace.get("endpoint") or {}
        where = (f"delivered to {endpoint.get('kind', '')}/{endpoint.get('name', '')} at "
                 f"{endpoint.get('ip', '')}:{endpoint.get('port', '')}") if endpoint else "delivered"
        what = f"the process sees source {trace['source_ip_seen']}" if trace.get("source_ip_seen") else ""
        return {"where": where, "what": what, "verdict": "delivered"}
    return {"where": "not delivered", "what": trace.get("reason") or "", "verdict": "dropped"}


def _hop_lines(hop: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(css class, text) per line of a hop's box."""
    lines = [("where", line) for line in _lines(hop.get("where", ""))]
    lines += [("what", line) for line in _lines(hop.get("what", ""))] if hop.get("what") else []
    change = change_text(hop.get("change"))
    if change:
        lines += [("change", line) for line in _lines(f"\u0394 {change}")]
    return lines


def render_trace_svg(trace: Mapping[str, Any] | Iterable[Mapping[str, Any]], title: str = "Packet trace") -> Markup:
    if isinstance(trace, Mapping):
        hops = [dict(hop) for hop in trace.get("hops", [])]
        final = outcome_hop(trace)
        if final is not None:
            hops.append(final)
    else:
        hops = [dict(hop) for hop in trace]
    parts: list[str] = []
    y = PAD
    for number, hop in enumerate(hops, start=1):
        lines = _hop_lines(hop)
        height = len(lines) * LINE + 14
        verdict = str(hop.get("verdict", "")).lower()
        box_class = "hop" + (" changed" if hop.get("change") else "") + (f" {verdict}" if verdict else "")
        parts.append(f'<g class="{escape(box_class)}">')
        parts.append(f'<rect x="{BOX_X}" y="{y}" width="{BOX_W}" height="{height}" rx="6"/>')
        parts.append(f'<circle cx="{BOX_X // 2}" cy="{y + 16}" r="12"/>'
                     f'<text class="num" x="{BOX_X // 2}" y="{y + 20}" text-anchor="middle">{number}</text>')
        for index, (kind, text) in enumerate(lines):
            parts.append(f'<text class="{kind}" x="{BOX_X + 10}" y="{y + 20 + index * LINE}">{escape(text)}</text>')
        parts.append("</g>")
        y += height
        if number < len(hops):
            mid = BOX_X // 2
            parts.append(f'<path class="arrow" d="M{mid} {y - height + 28} V{y + GAP + 1}" '
                         f'marker-end="url(#trace-arrow)"/>')
            y += GAP
    height = y + PAD
    return Markup(
        f'<svg class="trace" role="img" aria-labelledby="trace-title" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="trace-title">{escape(title)}: {len(hops)} hop{"s" if len(hops) != 1 else ""}</title>'
        '<defs><marker id="trace-arrow" viewBox="0 0 10 10" refX="5" refY="8" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0 L5 10 L10 0 z"/></marker></defs>'
        + "".join(parts) + "</svg>")
