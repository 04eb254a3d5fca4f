"""Name resolution inside a container: ``/etc/hosts`` (``--add-host``, legacy links, the container's own
hostname), then Docker's embedded DNS on user-defined networks, or the servers of the container's resolv.conf.

Sources: docs.docker.com/engine/network/#dns-services; moby daemon/container_operations.go (updateNetworkConfig
adds the short id and the hostname as aliases on user-defined networks); libnetwork resolver.go (the embedded
DNS at 127.0.0.11 answers every address of a name, shuffled, and forwards other names to the external servers:
``--dns`` or the host's); libnetwork sandbox_dns_unix.go (resolv.conf: ``nameserver 127.0.0.11`` and
``options ndots:0`` with the embedded DNS, else the ``--dns`` servers or the host's file). Judged by Docker 20.10
in tests/docker_engine (``dns-*`` scenarios).
"""

from __future__ import annotations

from ..core.packet import Done
from .model import DockerContainer
from quizapp.words import Said, say

EMBEDDED_DNS = "127.0.0.11"


def uses_embedded_dns(c: DockerContainer) -> bool:
    owner = c.ns_owner
    return owner.mode == "bridge" and any(a.network.user_defined for a in owner.attachments)


def resolv_conf(c: DockerContainer) -> list[str] | None:
    """The nameserver and options lines of ``c``'s /etc/resolv.conf; None when it is a copy of the host's (the
    simulator does not know the host's file)."""
    owner = c.ns_owner  # container: mode shares the files of the namespace's owner
    if uses_embedded_dns(owner):
        return [f"nameserver {EMBEDDED_DNS}", "options ndots:0"]
    if owner.dns_servers:
        return [f"nameserver {ip}" for ip in owner.dns_servers]
    return None


def embedded_lookup(c: DockerContainer, low: str) -> tuple[str, list[str]] | None:
    """What the embedded DNS answers ``c`` for ``low``: (network name, addresses), or None (not a container name
    on any of c's user-defined networks: forwarded to the external servers)."""
    for att in c.ns_owner.attachments:
        net = att.network
        if not net.user_defined:
            continue
        owners = net.dns.get(low)
        if owners is None and low.endswith("." + net.name.lower()):  # <container>.<network>
            owners = net.dns.get(low[: -len(net.name) - 1])
        if owners:
            return net.name, [a.ip for o in owners for a in o.attachments if a.network is net]
    return None


def _etc_hosts(c: DockerContainer, low: str) -> tuple[str, Said] | None:
    owner = c.ns_owner
    ip = owner.extra_hosts.get(low)
    if ip is not None:
        return ip, say("/etc/hosts: --add-host")
    if owner.mode == "bridge" and owner.attachments and low == owner.hostname.lower():
        return owner.attachments[0].ip, say("/etc/hosts: the container's own hostname")
    return None


class DockerDns:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`)."""

    def _docker_dns(self, c: DockerContainer, low: str, name: str, where: str) -> str | None:
        owner = c.ns_owner
        local = _etc_hosts(c, low)
        if local is not None:  # /etc/hosts comes before DNS
            self.hop(where, say('{name} -> {ip} ({why})', name=name, ip=local[0], why=local[1]))
            return local[0]
        if owner.mode == "none":
            self.hop(where, say('{name}: the container has only lo, no DNS server is reachable', name=name))
            raise Done("nxdomain")
        found = embedded_lookup(c, low)
        if found is not None:
            net, addrs = found
            if len(addrs) > 1:
                addrs = self.rng.sample(addrs, len(addrs))  # libnetwork shuffles the answer
                self.hop(where, say('{name} -> {ips} (Docker embedded DNS {dns}, network {net}: every container with this name or alias, in random order); the client takes the first', name=name, ips=', '.join(addrs), dns=EMBEDDED_DNS, net=net))
            else:
                self.hop(where, say('{name} -> {ip} (Docker embedded DNS {dns}, network {net})', name=name, ip=addrs[0], dns=EMBEDDED_DNS, net=net))
            return addrs[0]
        if owner.mode == "bridge" and not uses_embedded_dns(owner):
            for h_c in owner.host.containers.values():
                if low in (h_c.name.lower(), h_c.hostname.lower(), h_c.short_id):
                    self.hop(where, say("{name}: no name resolution on the default bridge (the container's resolv.conf {servers}; only legacy --link adds names)", name=name, servers=_servers_text(owner)))
                    raise Done("nxdomain")
        if owner.dns_servers:
            via = say("{dns} forwards it to", dns=EMBEDDED_DNS) if uses_embedded_dns(owner) else say("resolv.conf sends it to")
            self.hop(where, say('{name} is no container name: {via} {servers} (--dns)', name=name, via=via, servers=', '.join(owner.dns_servers)))
        return None


def _servers_text(c: DockerContainer) -> Said:
    if c.dns_servers:
        return say("names the --dns servers {servers}", servers=", ".join(c.dns_servers))
    return say("is a copy of the host's")
