"""``kind: DockerHost`` (apiVersion quizapp.io/v1): a machine on the LAN with an address and the docker commands
run on it (:mod:`.commands`)."""

from __future__ import annotations

from ..core.context import BuildState, Ctx
from ..core.netutil import DNS1123_SUBDOMAIN, is_ip
from ..core.ports import PortSpecError
from ..core.source import join
from .commands import DockerBuilder
from .daemon import SettingsError, parse_settings
from .flags import CommandError
from .model import DockerHost

KINDS = {"DockerHost": {"quizapp.io/v1"}}


def build_docker_host(state: BuildState, ctx: Ctx, obj: dict) -> None:
    """Read one DockerHost document and run its commands."""
    meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
    name = ctx.string(meta, "name", "metadata", required=True)
    spec = ctx.mapping(obj.get("spec"), "spec", required=True)
    if name is None:
        return
    if not DNS1123_SUBDOMAIN.match(name):
        ctx.err("metadata.name", f"Invalid value: {name!r}: use a lowercase host name")
        return
    if name in state.scn.hosts or name in state.scn.nodes:
        ctx.err("metadata.name", f"a host or node named {name!r} already exists; give each machine its own name")
        return
    for k in spec:
        if k not in ("ip", "commands", "engineVersion", "daemon", "lanRoutesToBridges"):
            ctx.err(join("spec", k), "unknown field; a DockerHost takes ip, commands, engineVersion, daemon and lanRoutesToBridges")
    lan_routes = spec.get("lanRoutesToBridges", False)
    if not isinstance(lan_routes, bool):
        ctx.err("spec.lanRoutesToBridges", f"Invalid value: {lan_routes!r}: true (the LAN's router routes this host's bridge subnets to it) or false")
        return
    try:
        settings = parse_settings(spec.get("engineVersion"), spec.get("daemon"))
    except SettingsError as exc:
        ctx.err(exc.path, str(exc))
        return
    ip = ctx.string(spec, "ip", "spec", required=True)
    if ip is None:
        return
    if not is_ip(ip):
        ctx.err("spec.ip", f"Invalid value: {ip!r}: must be a valid IPv4 address")
        return
    if ip in state.lan_ips:
        ctx.err("spec.ip", f"address {ip} is already used by {state.lan_ips[ip]}")
        return
    host = DockerHost(name, ip, ctx.doc.index, settings)
    host.lan_routes = lan_routes
    builder = DockerBuilder(host)
    for i, line in enumerate(ctx.seq(spec.get("commands"), "spec.commands")):
        path = f"spec.commands[{i}]"
        if not isinstance(line, str):
            ctx.err(path, "each command must be a string (a docker command line)")
            continue
        try:
            builder.apply(line, i)
        except (CommandError, PortSpecError) as exc:
            ctx.err(path, str(exc))
    for net in host.networks.values():
        if net.subnet is not None and (net.subnet.overlaps(state.scn.cluster.cluster_cidr) and state.scn.nodes):
            state.scn.warnings.append(f"{host.ref}: network {net.name} {net.subnet} overlaps the cluster CIDR")
    state.scn.hosts[name] = host
    state.lan_ips[ip] = host.ref
    state.scn.warnings.extend(f"{host.ref}: {w}" for w in host.warnings)


def index_docker(state: BuildState) -> None:
    """Index hosts by address and containers by name (for ``--from container/NAME``)."""
    for host in state.scn.hosts.values():
        state.scn.host_by_ip[host.ip] = host
        for c in host.containers.values():
            state.scn.containers.setdefault(c.name, []).append(c)
