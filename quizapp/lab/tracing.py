"""The lab's pure work: load a scenario text, list what it holds, trace one connection (no Flask, no DB).

These functions run inside `quizapp.sandbox` (a child process) when the text comes from the web, so they take
and return plain picklable data. Problems come back as `LabInputError` with one (line, message) per problem.

Only the simulator's public API is used (load_scenario, trace, format_trace, TraceResult.to_dict and the
exported Scenario's node/Pod/Service/Docker host tables) so the simulator's internals can move freely.
"""
from __future__ import annotations

from typing import Any

import yaml

from quizapp.safeyaml import UnsafeYAML, YAMLLimits, check_yaml
from quizapp.sim import (ScenarioError, TraceError, cannot_trace, format_trace, load_scenario, not_yaml,
                         trace)
from quizapp.words import Said, render


class LabInputError(ValueError):
    """The scenario or the trace request is refused. ``problems``: [(line or None, the English message)];
    :meth:`localized` gives them in a reader's language (the simulator's messages are :class:`Said`)."""

    def __init__(self, problems: list[tuple[int | None, str | Said]]):
        self.said = list(problems)
        self.problems = [(line, str(message)) for line, message in problems]
        super().__init__("\n".join(f"line {line}: {m}" if line else m for line, m in self.problems))

    def localized(self, language: str | None) -> list[tuple[int | None, str]]:
        """The problems in `language` (English when None or untranslated)."""
        return [(line, render(message, language, "sim")) for line, message in self.said]

    def __reduce__(self) -> tuple[Any, ...]:  # crosses the sandbox's pipe intact (a Said pickles as itself)
        return (LabInputError, (self.said,))


def load_checked(text: str, source: str = "scenario.yaml", limits: YAMLLimits | None = None) -> Any:
    """The loaded scenario, after the size/alias/depth check; LabInputError with every problem's line."""
    try:
        check_yaml(text, limits)
        return load_scenario(text, source=source)
    except UnsafeYAML as error:
        raise LabInputError([(error.line, error.said or error.message)]) from None
    except ScenarioError as error:
        raise LabInputError([(p.line, p.described()) for p in error.problems]) from None
    except yaml.YAMLError as error:  # should the simulator ever let one through
        mark = getattr(error, "problem_mark", None)
        raise LabInputError([(mark.line + 1 if mark else None, not_yaml(error))]) from None


def inventory(scenario: Any) -> dict[str, Any]:
    """What the scenario holds, as plain data: nodes with their Pods, Services, Docker hosts."""
    nodes = []
    for node in scenario.nodes.values():
        pods = [pod for pod in scenario.pods.values() if pod.node is node]
        nodes.append({"name": node.name, "ip": node.ip, "pod_cidr": str(node.pod_cidr),
                      "pods": [_pod(pod) for pod in pods]})
    pending = [_pod(pod) for pod in scenario.pods.values() if pod.node is None]
    services = []
    for service in scenario.services.values():
        services.append({
            "namespace": service.namespace, "name": service.name, "type": service.type,
            "cluster_ip": service.cluster_ip, "lb_ips": list(service.lb_ips),
            "external_traffic_policy": service.external_traffic_policy,
            "external_name": service.external_name,
            "ports": [{"port": p.port, "protocol": p.protocol, "node_port": p.node_port,
                       "target_port": p.target_port, "endpoints": [f"{e.ip}:{e.port}" for e in p.endpoints]}
                      for p in service.ports]})
    hosts = []
    for host in scenario.hosts.values():
        hosts.append({
            "name": host.name, "ip": host.ip,
            "networks": [{"name": n.name, "driver": n.driver, "subnet": str(n.subnet) if n.subnet else "",
                          "bridge": n.bridge} for n in host.networks.values()],
            "containers": [{"name": c.name, "mode": c.mode,
                            "addresses": [{"network": a.network.name, "ip": a.ip} for a in c.attachments],
                            "publish": [f"{m.host_ip}:{m.host_port}->{m.container_port}/{m.proto}"
                                        for m in c.publish]}
                           for c in host.containers.values()]})
    l7 = getattr(scenario, "l7", None)  # the names external-dns publishes for Ingress and Gateway hosts
    web_hosts = [r.pattern for r in l7.records if not r.pattern.startswith("*.")] if l7 is not None else []
    return {"nodes": nodes, "pending": pending, "services": services, "hosts": hosts, "web_hosts": web_hosts,
            "warnings": list(scenario.warnings), "warning_words": warning_words(scenario)}


def warning_words(scenario: Any) -> list[dict[str, Any] | None]:
    """The scenario's warnings as stored messages (rendered in the reader's language), one per warning."""
    return [w.to_dict() if isinstance(w, Said) else None for w in getattr(scenario.warnings, "said", [])]


def _pod(pod: Any) -> dict[str, Any]:
    ports = sorted({(p.container_port, p.protocol, p.host_port) for c in pod.containers for p in c.ports},
                   key=lambda item: (item[0], item[1]))
    return {"namespace": pod.namespace, "name": pod.name, "ip": pod.ip, "ready": pod.ready,
            "host_network": pod.host_network, "labels": dict(pod.labels),
            "ports": [{"port": port, "protocol": proto, "host_port": host_port} for port, proto, host_port in ports]}


def endpoints_offered(inv: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Valid `from` and `to` values the scenario supports, in the simulator's own forms."""
    sources = ["external"]
    destinations: list[str] = []
    for node in inv["nodes"]:
        sources.append(f"node/{node['name']}")
        for pod in node["pods"]:
            ref = pod["name"] if pod["namespace"] == "default" else f"{pod['namespace']}/{pod['name']}"
            sources.append(f"pod/{ref}")
            for port in pod["ports"]:
                if pod["ip"]:
                    destinations.append(f"{pod['ip']}:{port['port']}")
                if port["host_port"]:
                    destinations.append(f"{node['ip']}:{port['host_port']}")
    for service in inv["services"]:
        name = service["name"] if service["namespace"] == "default" else f"{service['name']}.{service['namespace']}"
        for port in service["ports"]:
            destinations.append(f"{name}:{port['port']}")
            if service["cluster_ip"]:
                destinations.append(f"{service['cluster_ip']}:{port['port']}")
            if port["node_port"]:
                destinations += [f"{node['ip']}:{port['node_port']}" for node in inv["nodes"]]
            destinations += [f"{ip}:{port['port']}" for ip in service["lb_ips"]]
    for host in inv.get("web_hosts", []):  # URLs through the ingress controller or the Gateway
        destinations += [f"http://{host}/", f"https://{host}/"]
    names = [c["name"] for host in inv["hosts"] for c in host["containers"]]
    for host in inv["hosts"]:
        sources.append(f"host/{host['name']}")
        for container in host["containers"]:
            unique = names.count(container["name"]) == 1
            sources.append(f"container/{container['name']}" if unique
                           else f"container/{host['name']}/{container['name']}")
            for mapping in container["publish"]:
                host_part, _, rest = mapping.partition("->")
                port = host_part.rsplit(":", 1)[1]
                destinations.append(f"{host['ip']}:{port}")
    return _unique(sources), _unique(destinations)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def describe(text: str, source: str = "scenario.yaml") -> dict[str, Any]:
    """The scenario's inventory and the sources/destinations to offer. LabInputError when refused."""
    inv = inventory(load_checked(text, source))
    inv["sources"], inv["destinations"] = endpoints_offered(inv)
    return inv


def run_trace(text: str, src: str, dst: str, seed: int = 0, source: str = "scenario.yaml",
              with_inventory: bool = False) -> dict[str, Any]:
    """Trace one connection: {"trace": TraceResult.to_dict(), "text": the CLI's text, "warnings"}."""
    return trace_loaded(load_checked(text, source), src, dst, seed, with_inventory)


def trace_loaded(scenario: Any, src: str, dst: str, seed: int = 0, with_inventory: bool = False) -> dict[str, Any]:
    """`run_trace` on a scenario already loaded (shared scenarios stay loaded in the web process)."""
    try:
        result = trace(scenario, src, dst, seed=seed)
    except TraceError as error:
        raise LabInputError([(None, cannot_trace(error, src, dst))]) from None
    answer = {"trace": result.to_dict(words=True), "text": format_trace(result), "warnings": list(scenario.warnings)}
    if with_inventory:
        inv = inventory(scenario)
        inv["sources"], inv["destinations"] = endpoints_offered(inv)
        answer["inventory"] = inv
    return answer
