"""``kind: DockerHost`` (apiVersion quizapp.io/v1): a machine on the LAN with an address and the docker commands
run on it (:mod:`.commands`)."""

from __future__ import annotations

from ..core.context import BuildState, Ctx
from ..core.errors import said_of
from ..core.netutil import DNS1123_SUBDOMAIN, is_ip
from ..core.ports import PortSpecError
from ..core.source import join
from .commands import DockerBuilder
from .daemon import SettingsError, parse_settings
from .flags import CommandError
from .model import DockerHost
from quizapp.words import say

KINDS = {"DockerHost": {"quizapp.io/v1"}}


def build_docker_host(state: BuildState, ctx: Ctx, obj: dict) -> None:
    """Read one DockerHost document and run its commands."""
    meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
    name = ctx.string(meta, "name", "metadata", required=True)
    spec = ctx.mapping(obj.get("spec"), "spec", required=True)
    if name is None:
        return
    if not DNS1123_SUBDOMAIN.match(name):
        ctx.err("metadata.name", say('Invalid value: {name}: use a lowercase host name', name=repr(name)))
        return
    if name in state.scn.hosts or name in state.scn.nodes:
        ctx.err("metadata.name", say('a host or node named {name} already exists; give each machine its own name', name=repr(name)))
        return
    for k in spec:
        if k not in ("ip", "commands", "engineVersion", "daemon", "lanRoutesToBridges"):
            ctx.err(join("spec", k), say('unknown field; a DockerHost takes ip, commands, engineVersion, daemon and lanRoutesToBridges'))
    lan_routes = spec.get("lanRoutesToBridges", False)
    if not isinstance(lan_routes, bool):
        ctx.err("spec.lanRoutesToBridges", say("Invalid value: {lan_routes}: true (the LAN's router routes this host's bridge subnets to it) or false", lan_routes=repr(lan_routes)))
        return
    try:
        settings = parse_settings(spec.get("engineVersion"), spec.get("daemon"))
    except SettingsError as exc:
        ctx.err(exc.path, said_of(exc))
        return
    ip = ctx.string(spec, "ip", "spec", required=True)
    if ip is None:
        return
    if not is_ip(ip):
        ctx.err("spec.ip", say('Invalid value: {ip}: must be a valid IPv4 address', ip=repr(ip)))
        return
    if ip in state.lan_ips:
        ctx.err("spec.ip", say('address {ip} is already used by {owner}', ip=ip, owner=state.lan_ips[ip]))
        return
    host = DockerHost(name, ip, ctx.doc.index, settings)
    host.lan_routes = lan_routes
    builder = DockerBuilder(host)
    for i, line in enumerate(ctx.seq(spec.get("commands"), "spec.commands")):
        path = f"spec.commands[{i}]"
        if not isinstance(line, str):
            ctx.err(path, say('each command must be a string (a docker command line)'))
            continue
        try:
            builder.apply(line, i)
        except (CommandError, PortSpecError) as exc:
            ctx.err(path, said_of(exc), getattr(exc, "docker", None))
    for net in host.networks.values():
        if net.subnet is not None and (net.subnet.overlaps(state.scn.cluster.cluster_cidr) and state.scn.nodes):
            state.scn.warning(say('{ref}: network {name} {subnet} overlaps the cluster CIDR', ref=host.ref, name=net.name, subnet=net.subnet))
    state.scn.hosts[name] = host
    state.lan_ips[ip] = host.ref
    for warning in host.warnings.said:
        state.scn.warning(say("{ref}: {warning}", ref=host.ref, warning=warning))


def index_docker(state: BuildState) -> None:
    """Index hosts by address and containers by name (for ``--from container/NAME``)."""
    for host in state.scn.hosts.values():
        state.scn.host_by_ip[host.ip] = host
        for c in host.containers.values():
            state.scn.containers.setdefault(c.name, []).append(c)
