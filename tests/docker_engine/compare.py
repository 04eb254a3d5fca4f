"""Running one scenario on the real engine and on the simulator, and comparing the outcomes.

The engine allocates some things differently across one daemon's life (its port allocator and address-pool
allocator move on after each use): random host ports and the subnets of networks without ``--subnet`` are
translated - the simulator's address or port is mapped to the real one of the same container, network or
mapping before connecting, and the address the listener saw is mapped back before comparing. Everything that
the scenario fixes (``--subnet``, ``--ip``, ``--gateway``, fixed host ports) must agree literally.
"""

from __future__ import annotations

import json
import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from quizapp.sim import ScenarioError, load_scenario, trace
from quizapp.sim.docker.dns import embedded_lookup, resolv_conf
from quizapp.sim.docker.resolvconf import own_names
from quizapp.sim.docker.flags import RUN_ALIASES, RUN_BOOL, RUN_SHORT, RUN_VALUE, parse_flags

from .engine import CLIENT_IP, HOST_IP, IMAGE, Engine, Outcome

HOST = "h1"
CONCURRENT_CONNECTIONS = 8


@dataclass
class Scenario:
    name: str
    commands: list[str]
    checks: list[tuple[str, str]] = field(default_factory=list)  # (from, to) as `quizapp sim trace` takes them
    refused: int | None = None  # index of the command both the engine and the simulator refuse
    words: str = ""  # Docker's wording, which both messages must contain
    engine: str = "20.10"
    daemon: dict = field(default_factory=dict)  # daemon.json, for both the real daemon and spec.daemon
    lookups: list[tuple[str, str]] = field(default_factory=list)  # (container, name): the embedded DNS's answer
    resolv: list[str] = field(default_factory=list)  # containers whose resolv.conf is compared
    fqdn: list[str] = field(default_factory=list)  # containers whose `hostname -f` is compared
    lan_routes: bool = False  # the LAN client gets a route to every bridge subnet via the host (spec.lanRoutesToBridges)


def document(s: Scenario) -> str:
    lines = "\n".join(f"  - {c!r}" for c in s.commands)
    daemon = f"  daemon: {json.dumps(s.daemon)}\n" if s.daemon else ""
    routes = "  lanRoutesToBridges: true\n" if s.lan_routes else ""
    return (f"apiVersion: quizapp.io/v1\nkind: DockerHost\nmetadata: {{name: {HOST}}}\nspec:\n  ip: {HOST_IP}\n"
            f"  engineVersion: \"{s.engine}\"\n{daemon}{routes}  commands:\n{lines}\n")


def _real_argv(line: str, scn, index: int | None = None) -> list[str]:
    """The scenario's docker command with only the image (and what follows it) replaced by ``serve``; the
    listening ports are those of the container that command ``index`` started (renamed later or not)."""
    argv = shlex.split(line)
    assert argv[0] == "docker", line
    args = argv[1:]
    if args[:2] == ["container", "run"]:
        head, rest = args[:2], args[2:]
    elif args[:1] == ["run"]:
        head, rest = args[:1], args[1:]
    else:
        return args
    f = parse_flags(rest, RUN_VALUE, RUN_BOOL, RUN_SHORT, RUN_ALIASES)
    flags = rest[:len(rest) - len(f.positionals)]
    name = f.last("name")
    assert name, f"engine scenarios name every container: {line}"
    assert f.bools.get("detach"), f"engine scenarios run containers detached (-d): {line}"
    ports: list[str] = []
    containers = scn.hosts[HOST].containers if scn is not None else {}
    c = containers.get(name) or next((c for c in containers.values() if c.command_index == index), None)
    if c is not None:
        ports = [str(p) for p, proto in sorted(c.listens) if proto == "tcp"]
    return [*head, *flags, IMAGE, "serve", name, *ports]


def _ids(text: str) -> str:
    """`text` with runs of white space as one and full container ids (the engine's are random) as <id>."""
    return re.sub(r"\b[0-9a-f]{64}\b", "<id>", " ".join(text.split()))


def _same_words(said: str, printed: str) -> bool:
    """Docker lists some names in map order (`Container cannot be connected to network endpoints: b, a`): the
    same message with its comma-separated names in another order."""
    head, _, names = said.partition(": ")
    for line in printed.splitlines():
        at = line.find(head + ": ")
        if at >= 0:
            given = line[at + len(head) + 2:].rstrip(".").split(", ")
            return sorted(given) == sorted(names.split(", "))
    return False


def run_refusal(engine: Engine, s: Scenario) -> None:
    with_error = None
    try:
        load_scenario(document(s), s.name)
    except ScenarioError as exc:
        with_error = exc
    assert with_error is not None, f"{s.name}: the simulator accepted what Docker refuses"
    (problem,) = with_error.problems
    assert problem.path == f"spec.commands[{s.refused}]", problem
    ok = load_scenario(document(Scenario(s.name, s.commands[:s.refused], daemon=s.daemon)), s.name) if s.refused else None
    for i, line in enumerate(s.commands):
        p = engine.docker(*_real_argv(line, ok), check=False)
        if i < s.refused:
            assert p.returncode == 0, f"{s.name}: {line}: {p.stderr}"
            continue
        assert p.returncode != 0, f"{s.name}: Docker {engine.version} accepted {line!r}, the simulator says: {problem.message}"
        assert s.words in p.stderr, f"{s.name}: Docker said {p.stderr.strip()!r}, expected {s.words!r}"
        assert s.words in problem.message, f"{s.name}: the simulator said {problem.message!r}, Docker {p.stderr.strip()!r}"
        # the refusal is marked as Docker's (a DockerRefusal: a sim question may ask about it) and its words are
        # what this engine prints
        assert problem.docker is not None, f"{s.name}: Docker refuses it, but the simulator's refusal is not marked as Docker's"
        assert _ids(problem.docker) in _ids(p.stderr) or _same_words(problem.docker, p.stderr), \
            f"{s.name}: the simulator gives Docker's words as {problem.docker!r}, Docker {engine.version} said {p.stderr.strip()!r}"
        break


def run_traces(engine: Engine, s: Scenario) -> list[str]:
    """Apply the scenario for real, trace every check both ways; returns the disagreements."""
    scn = load_scenario(document(s), s.name)
    host = scn.hosts[HOST]
    for i, line in enumerate(s.commands):
        if line.startswith("iptables "):  # a DOCKER-USER rule, verbatim, in the engine's namespace
            engine.iptables(*shlex.split(line)[1:])
            continue
        engine.docker(*_real_argv(line, scn, i))
    real = engine.inspect_containers()
    nets = engine.inspect_networks()
    for c in host.containers.values():
        ports = sorted(p for p, proto in c.listens if proto == "tcp")
        if ports and c.ns_owner.mode != "none" and c.running:
            engine.wait_listening(c.name, ports)
    to_real: dict[str, str] = {HOST_IP: HOST_IP, CLIENT_IP: CLIENT_IP}
    for net in host.networks.values():
        if net.gateway:
            to_real[net.gateway] = nets[net.name]["IPAM"]["Config"][0].get("Gateway") or engine.bridge_address(nets[net.name])
    for c in host.containers.values():
        for att in c.attachments:
            to_real[att.ip] = real[c.name]["NetworkSettings"]["Networks"][att.network.name]["IPAddress"]
    if s.lan_routes:
        for net in host.networks.values():
            if net.driver == "bridge" and net.subnet is not None:
                engine.add_lan_route(nets[net.name]["IPAM"]["Config"][0]["Subnet"])
    problems = []
    for net in host.networks.values():  # what the scenario fixes must agree literally
        if net.explicit_subnet:
            cfg = nets[net.name]["IPAM"]["Config"][0]
            if cfg["Subnet"] != str(net.subnet) or to_real[net.gateway] != net.gateway:
                problems.append(f"network {net.name}: real {cfg}, simulated {net.subnet} gw {net.gateway}")
            for ip, rip in to_real.items():
                if ip in net.by_ip and ip != rip:
                    problems.append(f"{net.by_ip[ip].name} on {net.name}: real {rip}, simulated {ip}")
    port_map: dict[tuple[str, int], int] = {}
    for (proto, hport), lst in host.mappings.items():
        for m, c in lst:
            bindings = real[c.name]["NetworkSettings"]["Ports"].get(f"{m.container_port}/{proto}") or []
            v4 = [b for b in bindings if ":" not in b["HostIp"]]
            if c.gateway_attachment is None:  # only --internal networks: the simulator sets up no mapping
                if v4:
                    problems.append(f"{c.name}: {m.container_port}/{proto} is published by the engine on an --internal network")
                continue
            if not v4:
                problems.append(f"{c.name}: {m.container_port}/{proto} is not published by the engine")
                continue
            if not m.random and int(v4[0]["HostPort"]) != hport:
                problems.append(f"{c.name}: -p {hport}:{m.container_port}: the engine published {v4[0]['HostPort']}")
            port_map[(proto, hport)] = int(v4[0]["HostPort"])
    to_sim = {v: k for k, v in to_real.items()}
    ids = {c.short_id: real[c.name]["Id"][:12] for c in host.containers.values()}  # the simulator's ids are derived
    connections = []
    for src, dst in s.checks:
        addr, _, port = dst.rpartition(":")
        port = int(port)
        raddr = to_real.get(addr, ids.get(addr, addr))
        if addr == HOST_IP or addr.startswith("127.") or addr in {n.gateway for n in host.networks.values()}:
            port = port_map.get(("tcp", port), port)
        source = "external" if src.startswith("external") else "host" if src.startswith("host/") else src
        connections.append((src, dst, source, raddr, port))
    # the connections are independent (each its own source port, nothing they change is read by another): they
    # run at once, so a scenario waits for its slowest one (a dropped packet's CONNECT_WAIT), not for their sum
    with ThreadPoolExecutor(max_workers=CONCURRENT_CONNECTIONS) as pool:
        outcomes = list(pool.map(lambda c: engine.connect(*c[2:]), connections))
    for (src, dst, _, raddr, port), got in zip(connections, outcomes):
        problem = _compare(trace(scn, src, dst), got, to_sim)
        if problem:
            problems.append(f"{src} -> {dst} (real {raddr}:{port}): {problem}")
    return problems + _names(engine, s, host, to_sim, ids)


def _names(engine: Engine, s: Scenario, host, to_sim: dict[str, str], ids: dict[str, str]) -> list[str]:
    """The embedded DNS's answers (every address, in any order) and the resolv.conf lines, real and simulated."""
    problems = []
    for cname, name in s.lookups:
        found = embedded_lookup(host.containers[cname], name.lower())
        simulated = sorted(found[1]) if found else []
        real = sorted(to_sim.get(a, a) for a in engine.nslookup(cname, ids.get(name, name)))
        if real != simulated:
            problems.append(f"{cname}: nslookup {name}: engine {real}, simulator {simulated}")
    for cname in s.resolv:
        simulated = resolv_conf(host.containers[cname])
        real = [line.strip() for line in engine.docker("exec", cname, "cat", "/etc/resolv.conf").stdout.splitlines()
                if line.startswith(("nameserver", "options") + (("search",) if any(s.startswith("search") for s in simulated or []) else ()))]
        if real != simulated:
            problems.append(f"{cname}: /etc/resolv.conf: engine {real}, simulator {simulated}")
    for cname in s.fqdn:  # the first name of the container's own /etc/hosts line
        simulated_name = ".".join(ids.get(p, p) for p in own_names(host.containers[cname])[0].split("."))  # short ids
        real_name = engine.docker("exec", cname, "hostname", "-f", check=False).stdout.strip()
        if real_name != simulated_name:
            problems.append(f"{cname}: hostname -f: engine {real_name!r}, simulator {simulated_name!r}")
    return problems


def _compare(sim, got: Outcome, to_sim: dict[str, str]) -> str | None:
    if sim.delivered:
        if got.reason is not None:
            return f"simulator: delivered to {sim.endpoint.name}:{sim.endpoint.port}; engine: {got.reason} {got.detail}"
        seen = to_sim.get(got.peer, got.peer)
        if (sim.endpoint.name, sim.endpoint.port, sim.source_ip_seen) != (got.name, got.port, seen):
            return (f"simulator: {sim.endpoint.name}:{sim.endpoint.port} sees {sim.source_ip_seen}; "
                    f"engine: {got.name}:{got.port} sees {got.peer} (= {seen} in the simulator's addresses)")
        return None
    real = "refused" if got.reason == "closed" else got.reason
    if real != sim.reason:
        return f"simulator: {sim.reason}; engine: {got.reason or 'delivered to ' + str(got.name)} {got.detail}"
    return None
