"""Draws a scenario's inventory (quizapp.lab.tracing.inventory) as a server-rendered SVG.

Services across the top (Cluster IP, ports, nodePorts, endpoints), then the nodes side by side with their Pods
inside, then each Docker host with its networks and containers. Plain boxes and text: it reads without
JavaScript and scales with the page (viewBox). Words are in the page's language (object kinds as kubernetes.io/zh-cn
names them: Pod, Service, 节点); names, addresses, ports and field names stay as they are.
"""
from __future__ import annotations

import textwrap
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 660
PAD = 10
LINE = 15
CHAR_W = 7.0  # one 12px monospace character
COLUMN_MIN = 200


def _wrap(text: str, width: float) -> list[str]:
    chars = max(8, int((width - 16) / CHAR_W))
    return textwrap.wrap(text, width=chars, break_long_words=True, break_on_hyphens=False) or [""]


def _box(x: float, y: float, w: float, title: str, lines: list[str], css: str) -> tuple[list[str], float]:
    """A titled box; (svg parts, height)."""
    rows = [("title", line) for line in _wrap(title, w)] + [("line", l) for text in lines for l in _wrap(text, w)]
    height = len(rows) * LINE + 10
    parts = [f'<g class="{escape(css)}"><rect x="{x}" y="{y}" width="{w}" height="{height}" rx="5"/>']
    for index, (kind, text) in enumerate(rows):
        parts.append(f'<text class="{kind}" x="{x + 8}" y="{y + 17 + index * LINE}">{escape(text)}</text>')
    parts.append("</g>")
    return parts, height


def _service_lines(service: dict[str, Any]) -> list[str]:
    lines = []
    if service["cluster_ip"]:
        lines.append(f"clusterIP {service['cluster_ip']}")
    if service["external_name"]:
        lines.append(f"externalName {service['external_name']}")
    if service["lb_ips"]:
        lines.append(_("load balancer %(addresses)s", addresses=", ".join(service["lb_ips"])))
    for port in service["ports"]:
        text = f"{port['port']}/{port['protocol']} -> {port['target_port']}"
        if port["node_port"]:
            text += f", nodePort {port['node_port']}"
        lines.append(text)
        lines.append("  " + _("endpoints: %(endpoints)s", endpoints=", ".join(port["endpoints"]) or _("none")))
    if service["type"] in ("NodePort", "LoadBalancer"):
        lines.append(f"externalTrafficPolicy {service['external_traffic_policy']}")
    return lines


def _service_title(service: dict[str, Any]) -> str:
    name = service["name"] if service["namespace"] == "default" else f"{service['namespace']}/{service['name']}"
    return _("service %(name)s (%(type)s)", name=name, type=service["type"])


def _pod_lines(pod: dict[str, Any]) -> list[str]:
    lines = [f"IP {pod['ip'] or _('none (Pending)')}" + (" (hostNetwork)" if pod["host_network"] else "")]
    for port in pod["ports"]:
        lines.append(f"{port['port']}/{port['protocol']}" + (f" hostPort {port['host_port']}" if port["host_port"] else ""))
    if not pod["ready"]:
        lines.append(_("not ready"))
    return lines


def _pod_title(pod: dict[str, Any]) -> str:
    return _("pod %(name)s", name=pod["name"] if pod["namespace"] == "default" else f"{pod['namespace']}/{pod['name']}")


def _columns(items: list[Any], y: float, draw: Any) -> tuple[list[str], float]:
    """Lay `items` out in rows of columns; draw(item, x, y, w) -> (parts, height)."""
    if not items:
        return [], y
    per_row = max(1, min(len(items), int((WIDTH - PAD) // (COLUMN_MIN + PAD))))
    width = (WIDTH - PAD * (per_row + 1)) / per_row
    parts: list[str] = []
    for start in range(0, len(items), per_row):
        tallest = 0.0
        for column, item in enumerate(items[start:start + per_row]):
            drawn, height = draw(item, PAD + column * (width + PAD), y, width)
            parts += drawn
            tallest = max(tallest, height)
        y += tallest + PAD
    return parts, y


def _node(node: dict[str, Any], x: float, y: float, w: float) -> tuple[list[str], float]:
    head = [f"IP {node['ip']}", f"podCIDR {node['pod_cidr']}"]
    rows = [("title", line) for line in _wrap(_("node %(name)s", name=node["name"]), w)] + [("line", l) for t in head
                                                                             for l in _wrap(t, w)]
    parts = [f'<text class="{kind}" x="{x + 8}" y="{y + 17 + i * LINE}">{escape(t)}</text>'
             for i, (kind, t) in enumerate(rows)]
    inner_y = y + len(rows) * LINE + 12
    for pod in node["pods"]:
        drawn, height = _box(x + 8, inner_y, w - 16, _pod_title(pod), _pod_lines(pod), "pod")
        parts += drawn
        inner_y += height + 6
    height = inner_y - y + 4
    return [f'<g class="node"><rect x="{x}" y="{y}" width="{w}" height="{height}" rx="6"/></g>', *parts], height


def _host(host: dict[str, Any], x: float, y: float, w: float) -> tuple[list[str], float]:
    head = [f"IP {host['ip']}"] + [_("network %(name)s (%(driver)s) %(subnet)s %(bridge)s", name=n["name"],
                                     driver=n["driver"], subnet=n["subnet"], bridge=n["bridge"]).strip()
                                   for n in host["networks"]]
    rows = [("title", line) for line in _wrap(_("Docker host %(name)s", name=host["name"]), w)] + [
        ("line", l) for t in head for l in _wrap(t, w)]
    parts = [f'<text class="{kind}" x="{x + 8}" y="{y + 17 + i * LINE}">{escape(t)}</text>'
             for i, (kind, t) in enumerate(rows)]
    inner_y = y + len(rows) * LINE + 12
    for container in host["containers"]:
        lines = [f"{a['network']}: {a['ip']}" for a in container["addresses"]] or [f"--network {container['mode']}"]
        lines += [f"-p {p}" for p in container["publish"]]
        drawn, height = _box(x + 8, inner_y, w - 16, _("container %(name)s", name=container["name"]), lines,
                             "container")
        parts += drawn
        inner_y += height + 6
    height = inner_y - y + 4
    return [f'<g class="host"><rect x="{x}" y="{y}" width="{w}" height="{height}" rx="6"/></g>', *parts], height


def render_scenario_svg(inv: dict[str, Any], title: str | None = None) -> Markup:
    title = title or _("Scenario")
    parts: list[str] = []
    y = float(PAD)
    services = inv.get("services", [])
    drawn, y = _columns(services, y, lambda s, x, yy, w: _box(x, yy, w, _service_title(s), _service_lines(s),
                                                                 "service"))
    parts += drawn
    drawn, y = _columns(inv.get("nodes", []), y, _node)
    parts += drawn
    if inv.get("pending"):
        drawn, y = _columns(inv["pending"], y, lambda p, x, yy, w: _box(x, yy, w, _pod_title(p), _pod_lines(p),
                                                                        "pod pending"))
        parts += drawn
    drawn, y = _columns(inv.get("hosts", []), y, _host)
    parts += drawn
    counts = _("%(nodes)s nodes, %(services)s Services, %(hosts)s Docker hosts", nodes=len(inv.get("nodes", [])),
               services=len(services), hosts=len(inv.get("hosts", [])))
    return Markup(
        f'<svg class="scenario" role="img" aria-labelledby="scenario-title" viewBox="0 0 {WIDTH} {y}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="scenario-title">{escape(title)}: {escape(counts)}</title>' + "".join(parts) + "</svg>")
