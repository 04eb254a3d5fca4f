"""The trace diagram: the simulator's trace dict (or a list of hops) drawn as SVG, escaped, wide and narrow."""
from __future__ import annotations

import re

from quizapp.study.trace import change_text, render_trace, render_trace_svg

TRACE = {
    "delivered": True, "source_ip_seen": "192.168.1.77", "reason": None,
    "endpoint": {"kind": "container", "name": "web", "ip": "172.17.0.3", "port": 3000}, "candidates": [],
    "hops": [
        {"where": "external 192.168.1.77", "what": "opens tcp 192.168.1.50:8080"},
        {"where": "host/h1 iptables nat PREROUTING", "what": "DOCKER: -j DNAT <to> 172.17.0.3:3000",
         "change": {"type": "DNAT", "before": "192.168.1.50:8080", "after": "172.17.0.3:3000"}},
    ],
}


def test_trace_draws_every_hop_the_change_and_the_outcome():
    svg = str(render_trace_svg(TRACE))
    assert svg.startswith("<svg") and svg.count('<g class="hop') == 3
    assert "external 192.168.1.77" in svg and "DNAT 192.168.1.50:8080 \u2192 172.17.0.3:3000" in svg
    assert "delivered to container/web at 172.17.0.3:3000" in svg and "sees source 192.168.1.77" in svg
    assert "&lt;to&gt;" in svg and "<to>" not in svg  # text is escaped
    assert 'class="hop changed"' in svg and "delivered" in svg


def test_not_delivered_and_plain_hop_lists():
    svg = str(render_trace_svg({"delivered": False, "reason": "connection refused", "hops": []}))
    assert "not delivered" in svg and "connection refused" in svg and "dropped" in svg
    listed = str(render_trace_svg([{"where": "a", "what": "b", "change": "dst x -> y"}]))
    assert listed.count('<g class="hop') == 1 and "dst x -&gt; y" in listed


def test_long_text_wraps_and_narrow_drawing_is_included():
    long = {"hops": [{"where": "w", "what": "x " * 200}], "delivered": True}
    both = str(render_trace(long))
    assert "trace-wide" in both and "trace-narrow" in both
    assert both.count("<svg") == 2
    assert change_text({"type": "encap", "outer": "10.0.0.1 -> 10.0.0.2"}) == "encap 10.0.0.1 -> 10.0.0.2"
    assert change_text(None) == ""


def test_every_hop_is_also_described_in_words_for_screen_readers():
    html = str(render_trace(TRACE))
    steps = re.findall(r"<li>(.*?)</li>", html[html.index('class="visually-hidden trace-steps"'):])
    hops = TRACE["hops"]
    assert len(steps) == len(hops) + 1  # and the outcome
    for step, hop in zip(steps, hops):
        assert step.startswith(str(hop["where"]).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;"))
    assert "changes the packet: DNAT" in html
