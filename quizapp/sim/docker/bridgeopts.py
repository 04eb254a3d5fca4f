"""The bridge options whose meaning depends on the engine version (``docker network create -o KEY=VALUE``).

* ``com.docker.network.bridge.gateway_mode_ipv4``: ``nat`` (the default) and, from Docker 28.0,
  ``nat-unprotected``: the same NAT, but the ``DOCKER`` chain ends in ``! -i <bridge> -o <bridge> -j ACCEPT``
  instead of DROP, there are no per-port ACCEPT rules and no raw-table drops, so every port of every container is
  reachable by direct routing (moby ``iptablesdoc/generated/usernet-portmap-natunprot.md``,
  ``setDefaultForwardRule``; ``filterDirectAccess`` returns early for it). ``routed`` and ``isolated`` are
  refused: not modelled.
* ``com.docker.network.bridge.trusted_host_interfaces`` (Docker 28.2, moby#49832): a colon-separated list of
  host interfaces that keep direct access to the network's containers - raw ``PREROUTING -d <container> -i
  <interface> -j ACCEPT`` before the DROP (``filterDirectAccess``).
"""

from __future__ import annotations

import re

from .daemon import DaemonSettings
from .flags import CommandError
from .model import DockerNetwork
from quizapp.words import say

GATEWAY_MODE = "com.docker.network.bridge.gateway_mode_ipv4"
TRUSTED = "com.docker.network.bridge.trusted_host_interfaces"
_IFNAME = re.compile(r"^[A-Za-z0-9_.+-]{1,15}$")


def apply_version_options(net: DockerNetwork, opts: dict[str, str], settings: DaemonSettings) -> None:
    """Set ``net``'s gateway mode and trusted interfaces from ``opts``, or refuse them for this engine."""
    mode = opts.get(GATEWAY_MODE)
    if mode is not None:
        mode = mode.lower()
        if mode in ("routed", "isolated"):
            raise CommandError(say('docker network create: option -o {gateway_mode}={mode} is not modelled by the simulator (modelled: nat, nat-unprotected); remove it', gateway_mode=GATEWAY_MODE, mode=mode))
        if mode not in ("nat", "nat-unprotected"):
            raise CommandError(say('invalid value {mode} for {gateway_mode}: nat, nat-unprotected, routed or isolated', mode=repr(mode), gateway_mode=GATEWAY_MODE))
        if mode == "nat-unprotected" and settings.engine < (28, 0):
            raise CommandError(say('{gateway_mode}=nat-unprotected was added in Docker 28.0; Docker {version_text} does not know it', gateway_mode=GATEWAY_MODE, version_text=settings.version_text))
        net.gateway_mode = mode
    trusted = opts.get(TRUSTED)
    if trusted is not None:
        if settings.engine < (28, 2):
            raise CommandError(say('{trusted} was added in Docker 28.2 (moby#49832); Docker {version_text} does not know it', trusted=TRUSTED, version_text=settings.version_text))
        names = [n for n in trusted.split(":") if n]
        bad = [n for n in names if not _IFNAME.match(n)]
        if bad or not names:
            raise CommandError(say('invalid value {trusted} for {trusted2}: a colon-separated list of interface names, e.g. eth0 or eth0:eth1', trusted=repr(trusted), trusted2=TRUSTED))
        net.trusted = names
