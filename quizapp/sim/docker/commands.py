"""A DockerHost's ``commands``: each line applied in order, the way the daemon would.

Command lines are split with :mod:`shlex` and parsed with Docker's own flag syntax (:mod:`.flags`). Docker's
checks are reproduced with Docker's wording where it matters: a name already in use, a network that does not
exist, ``--ip`` on the default bridge or on a network without ``--subnet``, an address outside the subnet or
already in use, overlapping subnets, a host port already allocated, ``-p`` / ``-P`` / ``--expose`` with
``--network container:<name>``, ``--network-alias`` off user-defined networks.
"""

from __future__ import annotations

import shlex

from ..core.netutil import ip_int, network
from .flags import CommandError
from .model import DockerHost, DockerNetwork
from .networks import NetworkCommands
from .publishing import EPHEMERAL_START
from .run import RunCommand


class DockerBuilder(NetworkCommands, RunCommand):
    """Applies a DockerHost's commands in order, the way the daemon would."""

    def __init__(self, host: DockerHost):
        self.host = host
        self._next_port = {"tcp": EPHEMERAL_START, "udp": EPHEMERAL_START, "sctp": EPHEMERAL_START}
        self._taken: dict[tuple[str, int], list[str]] = {}  # (proto, port) -> bound host IPs
        bridge = DockerNetwork("bridge", "bridge", network("172.17.0.0/16"), "172.17.0.1", "docker0", False)
        bridge.used.update({ip_int("172.17.0.0"), ip_int("172.17.0.1"), ip_int("172.17.255.255")})
        host.networks["bridge"] = bridge
        host.networks["host"] = DockerNetwork("host", "host", None, None, "", False)
        host.networks["none"] = DockerNetwork("none", "null", None, None, "", False)
        self._unnamed = 0

    def apply(self, line: str, index: int) -> None:
        line = line.replace("\\\n", " ").strip()
        if line.startswith("$ "):
            line = line[2:]
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise CommandError(f"cannot split the command line: {exc}") from None
        if argv[:1] == ["sudo"]:
            argv = argv[1:]
        if not argv or argv[0] != "docker":
            raise CommandError("each command must be a docker command line (docker run ..., docker network create ...)")
        rest = argv[1:]
        if rest[:2] == ["container", "run"]:
            return self.run(rest[2:], index)
        if rest[:1] == ["run"]:
            return self.run(rest[1:], index)
        if rest[:2] == ["network", "create"]:
            return self.network_create(rest[2:])
        if rest[:2] == ["network", "connect"]:
            return self.network_connect(rest[2:])
        shown = " ".join(rest[:2]) or "(nothing)"
        raise CommandError(f"docker {shown}: not modelled; use docker run, docker network create or docker network connect")
