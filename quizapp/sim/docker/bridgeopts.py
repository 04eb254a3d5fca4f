"""The bridge options whose meaning depends on the engine version (``docker network create -o KEY=VALUE``).

* ``com.docker.network.bridge.gateway_mode_ipv4`` (moby ``daemon/libnetwork/drivers/bridge/bridge_linux.go``
  ``newGwMode``; which engine knows which value):

  - ``nat`` (the default);
  - ``nat-unprotected`` (28.0): the same NAT, but the ``DOCKER`` chain ends in ``! -i <bridge> -o <bridge> -j
    ACCEPT`` instead of DROP, there are no per-port ACCEPT rules and no raw-table drops, so every port of every
    container is reachable by direct routing (moby ``iptablesdoc/generated/usernet-portmap-natunprot.md``,
    ``setDefaultForwardRule``; ``filterDirectAccess`` returns early for it);
  - ``routed`` (27.0; modelled for 28 and 29, :mod:`.routed`): no NAT, no port mappings, published container
    ports open on the container's own address;
  - ``isolated`` (28.0, moby#49262): only with ``--internal`` (``"gateway mode 'isolated' can only be used for an
    internal network"``); no gateway address is allocated and the bridge gets no address
    (``setupVerifyAndReconcileIPv4``, ``GetSkipGwAlloc``), so the host itself has no route into the network and
    its containers cannot reach the host either.

  Docker 27 knows only nat and routed; another value fails with the daemon's words ``failed to parse
  com.docker.network.bridge.gateway_mode_ipv4 value: isolated (unknown gateway mode isolated)``. Docker 20.10 to
  26 do not know the option: ``networkConfiguration.fromLabels`` skips unknown labels, so the network is a nat
  network whatever the value (judged by the real 20.10 engine: tests/docker_engine, scenario
  gateway-mode-ignored-by-20-10); the simulator does the same and says so in a warning.
* ``com.docker.network.bridge.trusted_host_interfaces`` (Docker 28.2, moby#49832): a colon-separated list of
  host interfaces that keep direct access to the network's containers - raw ``PREROUTING -d <container> -i
  <interface> -j ACCEPT`` before the DROP (``filterDirectAccess``).
"""

from __future__ import annotations

import re

from .daemon import DaemonSettings
from .flags import CommandError, DockerRefusal
from .model import DockerNetwork
from quizapp.words import say

GATEWAY_MODE = "com.docker.network.bridge.gateway_mode_ipv4"
TRUSTED = "com.docker.network.bridge.trusted_host_interfaces"
_IFNAME = re.compile(r"^[A-Za-z0-9_.+-]{1,15}$")


GATEWAY_MODES = {"nat": (0, 0), "routed": (27, 0), "nat-unprotected": (28, 0), "isolated": (28, 0)}


def _gateway_mode(mode: str, net: DockerNetwork, settings: DaemonSettings, warnings: list[str]) -> str:
    """The network's gateway mode for ``-o gateway_mode_ipv4=<mode>`` on this engine, or the engine's refusal."""
    if settings.engine < (27, 0):
        warnings.append(say('network {name}: Docker {version_text} does not know {gateway_mode} and ignores it: the network is a nat network (the option came with Docker 27.0)', name=net.name, version_text=settings.version_text, gateway_mode=GATEWAY_MODE))
        return "nat"
    since = GATEWAY_MODES.get(mode)
    if since is None or settings.engine < since:
        raise CommandError(say("Error response from daemon: failed to parse {option} value: {mode} (unknown gateway mode {mode})",
                               option=GATEWAY_MODE, mode=mode))
    if mode == "isolated" and not net.internal:
        raise DockerRefusal(say("Error response from daemon: gateway mode 'isolated' can only be used for an internal network"))
    if mode == "routed" and settings.engine < (28, 0):
        raise CommandError(say('docker network create: option -o {option}=routed is modelled for Docker 28 and 29 (Docker {version}\'s rules for it are not); set engineVersion to "28.3" or later',
                               option=GATEWAY_MODE, version=settings.version_text))
    return mode


def apply_version_options(net: DockerNetwork, opts: dict[str, str], settings: DaemonSettings,
                          warnings: list[str] | None = None) -> None:
    """Set ``net``'s gateway mode and trusted interfaces from ``opts``, or refuse them for this engine."""
    mode = opts.get(GATEWAY_MODE)
    if mode is not None:
        net.gateway_mode = _gateway_mode(mode, net, settings, warnings if warnings is not None else [])
        if net.gateway_mode == "isolated":
            net.gateway = None  # GetSkipGwAlloc: no gateway address, none on the bridge
    trusted = opts.get(TRUSTED)
    if trusted is not None:
        if settings.engine < (28, 2):
            raise CommandError(say('{trusted} was added in Docker 28.2 (moby#49832); Docker {version_text} does not know it', trusted=TRUSTED, version_text=settings.version_text))
        names = [n for n in trusted.split(":") if n]
        bad = [n for n in names if not _IFNAME.match(n)]
        if bad or not names:
            raise CommandError(say('invalid value {trusted} for {option}: a colon-separated list of interface names, e.g. eth0 or eth0:eth1', trusted=repr(trusted), option=TRUSTED))
        net.trusted = names
