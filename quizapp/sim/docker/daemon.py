"""A DockerHost's engine version (``spec.engineVersion``) and daemon settings (``spec.daemon``, spelled as
``daemon.json`` spells them, so a real file can be pasted).

What depends on the version (sources in docs/simulator.md, the differences checked by tests):

* Docker < 25 gives a container whose only network is ``--internal`` a default route via the network's
  gateway: traffic to the host's own addresses is delivered locally, anything else is dropped by
  ``DOCKER-ISOLATION-STAGE-1`` (a timeout). From 25 on there is no default route: ``connect()`` fails at once
  with "Network is unreachable" (moby/moby#46603, Docker 25.0 release notes).

* Docker 28 (from 28.0.1, moby#49530) moves its filter rules out of ``FORWARD`` into ``DOCKER-FORWARD``
  (``DOCKER-CT``, ``DOCKER-ISOLATION-STAGE-1``, ``DOCKER-BRIDGE``) and drops, in raw ``PREROUTING``, packets
  addressed directly to a container from any interface but its bridge (``filterDirectAccess``). Docker 29 also
  drops ``DOCKER-ISOLATION-STAGE-1/2`` (isolation is the ``DOCKER`` chain's per-bridge DROP and the raw drops;
  ``--internal`` networks get ``DOCKER-INTERNAL``), the per-bridge ``RETURN`` in nat ``DOCKER`` and the
  ``DOCKER-USER -j RETURN`` rule (moby ``integration/network/bridge/iptablesdoc/generated/``). The rules are
  written by :mod:`.rules` / :mod:`.rules_forward`, the hops by :mod:`.firewall`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..core.netutil import IPv4Network, is_ip, network
from quizapp.words import Said, say

DEFAULT_ENGINE = (29, 1)  # the current engine (issue 9): 29.x
# daemon.json keys the simulator models, or accepts at their default value only
BOOLEAN_DEFAULTS = {"iptables": True, "ip-forward": True, "ip-masq": True}
# booleans modelled with both values: daemon.json key -> DaemonSettings attribute
#   userland-proxy: false -> no docker-proxy; dockerd's "hairpin" NAT rules instead (route_localnet, loopback DNAT)
#   icc: false -> the default bridge drops traffic between its containers (user-defined networks keep their own
#   com.docker.network.bridge.enable_icc); --link opens the linked container's exposed ports
MODELLED_BOOLEANS = {"userland-proxy": "userland_proxy", "icc": "icc"}
MODELLED_KEYS = {"bip", "allow-direct-routing", *MODELLED_BOOLEANS}
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")
NEWEST = 29


class SettingsError(ValueError):
    """``spec.engineVersion`` or a ``spec.daemon`` key the simulator cannot honour; ``path`` says which."""

    def __init__(self, path: str, message: str | Said):
        super().__init__(message)
        self.path = path


@dataclass
class DaemonSettings:
    engine: tuple[int, int] = DEFAULT_ENGINE
    bip_gateway: str = "172.17.0.1"
    bip_subnet: IPv4Network = None  # type: ignore[assignment]
    userland_proxy: bool = True
    icc: bool = True
    allow_direct_routing: bool = False  # daemon.json "allow-direct-routing" (28.2+)

    def __post_init__(self) -> None:
        if self.bip_subnet is None:
            self.bip_subnet = network("172.17.0.0/16")

    @property
    def internal_default_route(self) -> bool:
        """Whether containers on an --internal network still get a default route (Docker < 25)."""
        return self.engine < (25, 0)

    @property
    def forward_chain(self) -> bool:
        """Docker 28+: the filter rules live in DOCKER-FORWARD (with DOCKER-CT and DOCKER-BRIDGE)."""
        return self.engine >= (28, 0)

    @property
    def isolation_chains(self) -> bool:
        """DOCKER-ISOLATION-STAGE-1/2 exist (up to 28.x; 29 removed them)."""
        return self.engine < (29, 0)

    @property
    def nat_bridge_return(self) -> bool:
        """nat DOCKER starts with ``-i <bridge> -j RETURN`` per bridge (up to 28.x)."""
        return self.engine < (29, 0)

    @property
    def filters_direct_access(self) -> bool:
        """raw PREROUTING drops packets addressed to a container from outside its bridge (28+, unless the
        daemon has allow-direct-routing)."""
        return self.engine >= (28, 0) and not self.allow_direct_routing

    @property
    def version_text(self) -> str:
        return f"{self.engine[0]}.{self.engine[1]}"


def parse_engine_version(value: Any) -> tuple[int, int]:
    if value is None:
        return DEFAULT_ENGINE
    m = _VERSION.match(str(value))
    if not isinstance(value, str) or not m:
        raise SettingsError("spec.engineVersion", say('Invalid value: {value}: write the engine version as a quoted string, e.g. "20.10" or "27.5"', value=repr(value)))
    major, minor = int(m[1]), int(m[2])
    if (major, minor, m[3]) == (28, 0, "0"):
        raise SettingsError("spec.engineVersion", say('Docker 28.0.0 is not modelled: its rules matched the ipset docker-ext-bridges-v4, replaced in 28.0.1 (moby#49530) by the DOCKER-FORWARD chains the simulator follows; write 28.0.1 or later'))
    if (major, minor) == (20, 10) or 23 <= major <= NEWEST:
        return major, minor
    raise SettingsError("spec.engineVersion", say('Docker {value} is not modelled: the simulator models 20.10 and 23.0 to {newest}.x', value=value, newest=NEWEST))


def parse_settings(version: Any, daemon: Any) -> DaemonSettings:
    settings = DaemonSettings(parse_engine_version(version))
    if daemon is None:
        return settings
    if not isinstance(daemon, dict):
        raise SettingsError("spec.daemon", say('must be a mapping of daemon.json keys, not {type_name}', type_name=type(daemon).__name__))
    for key, value in daemon.items():
        path = f'spec.daemon["{key}"]'
        if key in MODELLED_BOOLEANS:
            if not isinstance(value, bool):
                raise SettingsError(path, say('Invalid value: {value}: must be true or false', value=repr(value)))
            setattr(settings, MODELLED_BOOLEANS[key], value)
        elif key == "allow-direct-routing":
            if not isinstance(value, bool):
                raise SettingsError(path, say('Invalid value: {value}: must be true or false', value=repr(value)))
            if settings.engine < (28, 2):
                raise SettingsError(path, say('allow-direct-routing was added in Docker 28.2 (moby#49832); Docker {version_text} does not know it', version_text=settings.version_text))
            settings.allow_direct_routing = value
        elif key in BOOLEAN_DEFAULTS:
            if not isinstance(value, bool):
                raise SettingsError(path, say('Invalid value: {value}: must be true or false', value=repr(value)))
            if value != BOOLEAN_DEFAULTS[key]:
                raise SettingsError(path, say('{key}: {value} is not modelled by the simulator (only its default, {default}, is); remove it', key=key, value=str(value).lower(), default=str(BOOLEAN_DEFAULTS[key]).lower()))
        elif key == "bip":
            addr, slash, plen = str(value).partition("/")
            if not slash or not is_ip(addr):
                raise SettingsError(path, say('Invalid value: {value}: bip is the docker0 address with its prefix, e.g. 172.26.0.1/16', value=repr(value)))
            try:
                settings.bip_subnet = network(str(value), strict=False)
            except ValueError as exc:
                raise SettingsError(path, say('Invalid value: {value}: {exc}', value=repr(value), exc=exc)) from None
            if addr in (str(settings.bip_subnet.network_address), str(settings.bip_subnet.broadcast_address)):
                raise SettingsError(path, say('Invalid value: {value}: the address must be a host address of the subnet', value=repr(value)))
            settings.bip_gateway = addr
        else:
            raise SettingsError(path, say('daemon setting {key} is not modelled by the simulator; remove it (modelled: allow-direct-routing, bip, icc, userland-proxy; accepted at their defaults: {boolean_defaults})', key=repr(key), boolean_defaults=', '.join(sorted(BOOLEAN_DEFAULTS))))
    return settings
