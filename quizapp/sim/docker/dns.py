"""Trace steps: name resolution inside a container (Docker's embedded DNS on user-defined networks; none on
the default bridge)."""

from __future__ import annotations

from ..core.packet import Done
from .model import DockerContainer


class DockerDns:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`)."""

    def _docker_dns(self, c: DockerContainer, low: str, name: str, where: str) -> str | None:
        owner = c.ns_owner
        ip = owner.extra_hosts.get(low)
        if ip is not None:  # /etc/hosts comes before DNS
            self.hop(where, f"{name} -> {ip} (/etc/hosts: --add-host)")
            return ip
        if owner.mode == "none":
            self.hop(where, f"{name}: the container has only lo, no DNS server is reachable")
            raise Done("nxdomain")
        user_nets = [a for a in owner.attachments if a.network.user_defined]
        for att in user_nets:
            target = att.network.dns.get(low)
            if target is None and low.endswith("." + att.network.name.lower()):  # <container>.<network>
                target = att.network.dns.get(low[: -len(att.network.name) - 1])
            if target is not None:
                ip = next(a.ip for a in target.attachments if a.network is att.network)
                self.hop(where, f"{name} -> {ip} (Docker embedded DNS 127.0.0.11, network {att.network.name})")
                return ip
        if owner.mode == "bridge" and not user_nets:
            for h_c in owner.host.containers.values():
                if h_c.name.lower() == low:
                    self.hop(where, f"{name}: no name resolution on the default bridge (the container uses the host's resolv.conf; only legacy --link adds names)")
                    raise Done("nxdomain")
        return None
