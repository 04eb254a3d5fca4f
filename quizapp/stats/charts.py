"""Small server-rendered SVG charts with titles and labelled axes (no JavaScript, no inline styles)."""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 34, 58


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    css: str  # class of the bars: "s-right", "s-wrong", "s-due", ...


def nice_max(value: float) -> float:
    """A round axis maximum at or above the value (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = step * 10 ** exponent
        if candidate >= value:
            return candidate
    return 10 ** (exponent + 1)


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:g}" if value != int(value) else str(int(value))


def _svg(title: str, body: str, desc: str, width: int = W, height: int = H) -> Markup:
    # from the title's letters and a digest of it: a Chinese title has no a-z letters, and two of them would
    # otherwise share an id ("chart-30"), so aria-labelledby would name the wrong chart
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    chart_id = f"chart-{slug}-{hashlib.sha256(title.encode()).hexdigest()[:6]}".replace("--", "-")
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
        f'<text class="chart-title" x="{width / 2}" y="20" text-anchor="middle">{escape(title)}</text>{body}</svg>')


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], x_label: str, y_label: str,
              percent: bool = False, label_every: int = 1, y_max: float | None = None) -> Markup:
    """Vertical bars, stacked when several series are given."""
    count = max(1, len(labels))
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = y_max if y_max is not None else nice_max(max(totals, default=0))
    if not percent and y_max is None:  # counts: four whole-number steps (0, 1, 2, 3, 4 rather than 2.5, 7.5)
        top = max(4, math.ceil(top / 4) * 4)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / count
    bar_w = max(1.0, slot * 0.72)
    parts = []
    for tick in range(5):  # y grid and tick labels
        value = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value, percent)}</text>')
    for i, label in enumerate(labels):
        x = LEFT + slot * i + (slot - bar_w) / 2
        base = TOP + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            height = plot_h * min(value, top) / top
            base -= height
            parts.append(f'<rect class="{s.css}" x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{height:.1f}">'
                         f'<title>{escape(label)}: {escape(s.name)} {_fmt(value, percent)}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text class="tick" x="{x + bar_w / 2:.1f}" y="{TOP + plot_h + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{W - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
                 f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}"/>')
    parts.append(f'<text class="axis-label" x="{LEFT + plot_w / 2}" y="{H - 24}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text class="axis-label" transform="translate(14 {TOP + plot_h / 2}) rotate(-90)" '
                 f'text-anchor="middle">{escape(y_label)}</text>')
    if len(series) > 1:  # legend
        x = LEFT
        for s in series:
            parts.append(f'<rect class="{s.css}" x="{x}" y="{H - 12}" width="10" height="10"/>'
                         f'<text class="tick" x="{x + 14}" y="{H - 3}">{escape(s.name)}</text>')
            x += 24 + 8 * len(s.name)
    desc = "; ".join(f"{label}: " + ", ".join(f"{s.name} {_fmt(s.values[i], percent)}" for s in series)
                     for i, label in enumerate(labels))
    return _svg(title, "".join(parts), desc)


def hbar_chart(title: str, labels: Sequence[str], values: Sequence[float], notes: Sequence[str], x_label: str) -> Markup:
    """Horizontal bars of fractions 0..1, one row per label (for retention per topic)."""
    row = 26
    label_w = 210
    height = TOP + row * max(1, len(labels)) + 44
    plot_w = W - label_w - RIGHT - 60
    parts = []
    for tick in range(5):
        x = label_w + plot_w * tick / 4
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{height - 40}"/>'
                     f'<text class="tick" x="{x:.1f}" y="{height - 26}" text-anchor="middle">{tick * 25}%</text>')
    for i, (label, value, note) in enumerate(zip(labels, values, notes)):
        y = TOP + row * i
        short = label if len(label) <= 30 else label[:29] + "…"
        css = "s-right" if value >= 0.85 else "s-mid" if value >= 0.7 else "s-wrong"
        parts.append(f'<text class="tick" x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(short)}</text>'
                     f'<rect class="{css}" x="{label_w}" y="{y + 5}" width="{plot_w * value:.1f}" height="{row - 10}">'
                     f'<title>{escape(label)}: {value * 100:.0f}% ({escape(note)})</title></rect>'
                     f'<text class="tick" x="{label_w + plot_w * value + 6:.1f}" y="{y + 17}">{value * 100:.0f}% · {escape(note)}</text>')
    parts.append(f'<text class="axis-label" x="{label_w + plot_w / 2}" y="{height - 8}" text-anchor="middle">{escape(x_label)}</text>')
    desc = "; ".join(f"{label}: {value * 100:.0f}% ({note})" for label, value, note in zip(labels, values, notes))
    return _svg(title, "".join(parts), desc, height=height)
