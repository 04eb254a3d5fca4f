"""Draws a packet's hop-by-hop trace as a server-rendered SVG diagram.

A trace is the simulator's trace dict (`hops`, `delivered`, `endpoint`, `source_ip_seen`, `reason`) or just a
list of hops. Each hop is a dict: `where` (the place: an interface, a namespace, a chain), `what` (what happens
there) and `change` (what the hop changed in the packet: the simulator's dict such as
`{"type": "DNAT", "before": "10.96.0.10:80", "after": "10.244.1.5:8080"}`, or plain text; empty when nothing
changed). The outcome (delivered or not) is drawn as a last box. The drawing is a vertical chain of boxes,
so it reads the same on a phone and a desktop.

A hop that carries `words` (the simulator's message ids and parameters, see quizapp/words.py) is shown in the
reader's language; addresses, chain names and rules stay verbatim. A hop without them (a trace stored before the
simulator said its words as messages, or a hop text not yet made a message) is shown in English.
"""
from __future__ import annotations

import textwrap
from typing import Any, Iterable, Mapping

from flask_babel import gettext as _, ngettext
from markupsafe import Markup, escape

from quizapp.i18n import current_language, outcome_label
from quizapp.words import render

WIDTH = 640  # the wide drawing; the narrow one (for phones) is 340 wide with shorter lines
NARROW = 340
PAD = 12
BOX_X = 44
LINE = 17
CHAR_W = 7.9  # width of one 13px monospace character
GAP = 22  # room for the arrow between boxes


def _lines(text: str, width: int) -> list[str]:
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
    """The trace's outcome as a final box (in the request's language)."""
    if "delivered" not in trace:
        return None
    if trace["delivered"]:
        endpoint = trace.get("endpoint") or {}
        where = _("delivered to %(endpoint)s at %(address)s",
                  endpoint=f"{endpoint.get('kind', '')}/{endpoint.get('name', '')}",
                  address=f"{endpoint.get('ip', '')}:{endpoint.get('port', '')}") if endpoint else _("delivered")
        what = _("the process sees source %(ip)s", ip=trace["source_ip_seen"]) if trace.get("source_ip_seen") else ""
        return {"where": where, "what": what, "verdict": "delivered"}
    reason = trace.get("reason")
    return {"where": _("not delivered"), "what": outcome_label(reason) if reason else "", "verdict": "dropped"}


def localized_hop(hop: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """The hop with `where` and `what` in `language` where the simulator gave its words as messages."""
    shown = dict(hop)
    words = hop.get("words")
    if isinstance(words, Mapping):
        for key in ("where", "what"):
            if key in words:
                shown[key] = render(words[key], language, "sim")
    shown.pop("words", None)
    return shown


def localized_hops(hops: Iterable[Mapping[str, Any]], language: str | None = None) -> list[dict[str, Any]]:
    language = language or current_language()
    return [localized_hop(hop, language) for hop in hops]


def _hop_lines(hop: Mapping[str, Any], chars: int) -> list[tuple[str, str]]:
    """(css class, text) per line of a hop's box."""
    lines = [("where", line) for line in _lines(hop.get("where", ""), chars)]
    lines += [("what", line) for line in _lines(hop.get("what", ""), chars)] if hop.get("what") else []
    change = change_text(hop.get("change"))
    if change:
        lines += [("change", line) for line in _lines(f"\u0394 {change}", chars)]
    return lines


def render_trace_svg(trace: Mapping[str, Any] | Iterable[Mapping[str, Any]], title: str | None = None,
                     width: int = WIDTH, css: str = "") -> Markup:
    title = title if title is not None else _("Packet trace")
    if isinstance(trace, Mapping):
        hops = localized_hops(trace.get("hops", []))
        final = outcome_hop(trace)
        if final is not None:
            hops.append(final)
    else:
        hops = localized_hops(trace)
    box_w = width - BOX_X - PAD
    chars = int((box_w - 20) / CHAR_W)
    parts: list[str] = []
    y = PAD
    for number, hop in enumerate(hops, start=1):
        lines = _hop_lines(hop, chars)
        height = len(lines) * LINE + 14
        verdict = str(hop.get("verdict", "")).lower()
        box_class = "hop" + (" changed" if hop.get("change") else "") + (f" {verdict}" if verdict else "")
        parts.append(f'<g class="{escape(box_class)}">')
        parts.append(f'<rect x="{BOX_X}" y="{y}" width="{box_w}" height="{height}" rx="6"/>')
        parts.append(f'<circle cx="{BOX_X // 2}" cy="{y + 16}" r="12"/>'
                     f'<text class="num" x="{BOX_X // 2}" y="{y + 20}" text-anchor="middle">{number}</text>')
        for index, (kind, text) in enumerate(lines):
            parts.append(f'<text class="{kind}" x="{BOX_X + 10}" y="{y + 20 + index * LINE}">{escape(text)}</text>')
        parts.append("</g>")
        y += height
        if number < len(hops):
            mid = BOX_X // 2
            tip = y + GAP + 3  # just above the next number's circle
            parts.append(f'<path class="arrow" d="M{mid} {y - height + 28} V{tip - 6}"/>'
                         f'<path class="arrowhead" d="M{mid - 5} {tip - 7} L{mid + 5} {tip - 7} L{mid} {tip} z"/>')
            y += GAP
    height = y + PAD
    title_id = f"trace-title-{width}"
    return Markup(
        f'<svg class="trace {escape(css)}" role="img" aria-labelledby="{title_id}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}: {escape(ngettext("%(num)d step", "%(num)d steps", len(hops)))}</title>'
        + "".join(parts) + "</svg>")


def _hops_of(trace: Mapping[str, Any] | list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if not isinstance(trace, Mapping):
        return localized_hops(trace)
    final = outcome_hop(trace)
    return localized_hops(trace.get("hops", [])) + ([final] if final is not None else [])


def render_trace_text(trace: Mapping[str, Any] | list[Mapping[str, Any]]) -> Markup:
    """Every hop in words, for screen readers (the drawing's own text alternative is only its title)."""
    items = []
    for hop in _hops_of(trace):
        parts = [str(hop.get("where", ""))]
        if hop.get("what"):
            parts.append(str(hop["what"]))
        change = change_text(hop.get("change"))
        if change:
            parts.append(_("changes the packet: %(change)s", change=change))
        items.append(f"<li>{escape(': '.join(parts))}</li>")
    label = escape(_("The trace in words, step by step"))
    return Markup(f'<ol class="visually-hidden trace-steps" aria-label="{label}">' + "".join(items) + "</ol>")


def render_trace(trace: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> Markup:
    """The wide drawing and the narrow one; CSS shows the one that fits (text stays readable on a phone); and
    the hops as a list in words for screen readers."""
    if not isinstance(trace, Mapping):
        trace = list(trace)
    return (render_trace_svg(trace, width=WIDTH, css="trace-wide")
            + render_trace_svg(trace, width=NARROW, css="trace-narrow") + render_trace_text(trace))
