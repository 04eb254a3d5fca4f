"""A DockerHost's ``commands``: each line applied in order, the way the daemon would.

Command lines are split with :mod:`shlex` and parsed with Docker's own flag syntax (:mod:`.flags`). Docker's
checks are reproduced with Docker's wording where it matters: a name already in use, a network that does not
exist, ``--ip`` on the default bridge or on a network without ``--subnet``, an address outside the subnet or
already in use, overlapping subnets, a host port already allocated, ``-p`` / ``-P`` / ``--expose`` with
``--network container:<name>``, ``--network-alias`` off user-defined networks.
"""

from __future__ import annotations

import shlex

from ..core.netutil import ip_int
from .flags import CommandError
from .model import DockerHost, DockerNetwork
from .lifecycle import LifecycleCommands
from .networks import NetworkCommands
from .publishing import EPHEMERAL_START
from .run import RunCommand
from .userchain import apply_iptables
from quizapp.words import say


class DockerBuilder(NetworkCommands, RunCommand, LifecycleCommands):
    """Applies a DockerHost's commands in order, the way the daemon would."""

    def __init__(self, host: DockerHost):
        self.host = host
        self._next_port = {"tcp": EPHEMERAL_START, "udp": EPHEMERAL_START, "sctp": EPHEMERAL_START}
        self._taken: dict[tuple[str, int], list[str]] = {}  # (proto, port) -> bound host IPs
        bip = host.settings.bip_subnet  # daemon.json "bip": docker0's address and subnet
        bridge = DockerNetwork("bridge", "bridge", bip, host.settings.bip_gateway, "docker0", False)
        bridge.used.update({int(bip.network_address), ip_int(host.settings.bip_gateway), int(bip.broadcast_address)})
        bridge.icc = host.settings.icc  # daemon.json "icc" is the default bridge's enable_icc
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
            raise CommandError(say('cannot split the command line: {exc}', exc=exc)) from None
        if argv[:1] == ["sudo"]:
            argv = argv[1:]
        if argv[:1] == ["iptables"]:  # a user's rule in DOCKER-USER
            return apply_iptables(self.host.user_chain, argv[1:])
        if not argv or argv[0] != "docker":
            raise CommandError(say('each command must be a docker command line (docker run ..., docker network create ...) or iptables -I DOCKER-USER ...'))
        rest = argv[1:]
        if rest[:2] == ["container", "run"]:
            return self.run(rest[2:], index)
        if rest[:1] == ["run"]:
            return self.run(rest[1:], index)
        if rest[:2] == ["network", "create"]:
            return self.network_create(rest[2:])
        if rest[:2] == ["network", "connect"]:
            return self.network_connect(rest[2:])
        if rest[:2] == ["network", "disconnect"]:
            return self.network_disconnect(rest[2:])
        verb = rest[1] if rest[:1] == ["container"] and len(rest) > 1 else rest[0] if rest else ""
        args = rest[2:] if rest[:1] == ["container"] else rest[1:]
        if verb in ("stop", "start", "rm", "rename"):
            return getattr(self, verb)(args)
        shown = " ".join(rest[:2]) or "(nothing)"
        raise CommandError(say('docker {shown}: not modelled; use docker run, docker network create/connect/disconnect, docker stop/start/rm/rename', shown=shown))
