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

from ..core.errors import TraceError
from ..core.packet import Done
from ..core.upstream import outside_message, upstream_could_answer
from .model import DockerContainer
from .resolvconf import EMBEDDED_DNS, candidates, own_names, resolv, resolv_conf, uses_embedded_dns  # noqa: F401
from quizapp.words import Said, say

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
    if owner.mode == "bridge" and owner.attachments and low in (n.lower() for n in own_names(owner)):
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
        rc = resolv(c)
        if uses_embedded_dns(owner) and rc.domains:
            return self._searched(c, low, where)
        found = embedded_lookup(c, low)
        if found is None and uses_embedded_dns(owner) and rc.ndots_set and "." not in low:
            self.hop(where, say("{name} is no container name: with ndots set by --dns-option the embedded DNS does not forward a single-label name; it answers with no address and there is no search domain to try", name=name))
            raise Done("nxdomain")
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


class DockerSearch:
    """Mixin of the tracer: a name tried with the container's search domains (``--dns-search``)."""

    def _searched(self, c: DockerContainer, low: str, where) -> str:
        rc = resolv(c)
        names = candidates(rc, low)
        self.hop(where, say("search {domains}, ndots:{ndots}: {name} has {dots} dot(s), so the resolver asks {names} in this order", domains=" ".join(rc.domains), ndots=rc.ndots, name=low, dots=low.count("."), names=", ".join(names)))
        for q in names:
            found = embedded_lookup(c, q)
            if found is not None:
                net, addrs = found
                ip = self.rng.choice(addrs) if len(addrs) > 1 else addrs[0]
                self.hop(where, say("{name} -> {ip} (Docker embedded DNS {dns}, network {net})", name=q, ip=ip, dns=EMBEDDED_DNS, net=net))
                return ip
            if rc.ndots_set and "." not in q:
                self.hop(where, say("{name}: not a container name; ndots is set by --dns-option, so the embedded DNS does not forward it and answers with no address", name=q))
                continue
            ip = self._lan_name(q)
            if ip is not None:
                self.hop(where, say("{name} -> {ip} (no container name: {dns} forwards it, and the upstream resolver knows this machine on the LAN)", name=q, ip=ip, dns=EMBEDDED_DNS))
                return ip
            if upstream_could_answer(q, self._own_labels()):
                raise TraceError(outside_message(q, c.ref))
            self.hop(where, say("{name}: no container name; {dns} forwards it and the upstream resolver answers NXDOMAIN", name=q, dns=EMBEDDED_DNS))
        self.hop(where, say("{name}: no name in the search list resolved", name=low))
        raise Done("nxdomain")


def _servers_text(c: DockerContainer) -> Said:
    if c.dns_servers:
        return say("names the --dns servers {servers}", servers=", ".join(c.dns_servers))
    return say("is a copy of the host's")
