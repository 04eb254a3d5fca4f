"""Which endpoint is a container's gateway endpoint, and Docker 28's gateway priority.

The gateway endpoint carries the container's default route and its port mappings. moby orders a sandbox's
endpoints with ``Endpoint.Less`` (``daemon/libnetwork/sandbox.go``): the higher ``gw-priority`` first (default 0,
negative values allowed), then endpoints outside the swarm's gateway network, then non-internal before internal
networks, then endpoints with a gateway before those without, then by network name. The gateway endpoint is the
first one that has a gateway (``hasGatewayOrDefaultRoute``, ``sandbox_linux.go``): an ``--internal`` network (and
so a gateway mode ``isolated`` one) gives its endpoint none, so it never carries the default route, whatever its
priority. :attr:`.model.DockerContainer.gateway_attachment` applies the order.

The priority is set per endpoint (Docker 28.0, API 1.48): ``docker network connect --gw-priority P``
and ``docker run --network name=N,gw-priority=P``. Older command lines do not know it; their words (the 20.10
CLI, Debian's ``docker.io``; judged by the engine tier, scenarios ``refuse-gw-priority-on-connect`` and
``refuse-gw-priority-in-network-field``):

* ``docker network connect --gw-priority 1 n c``: ``unknown flag: --gw-priority``
* ``docker run --network name=n,gw-priority=1 img``: ``invalid argument "name=n,gw-priority=1" for "--network"
  flag: invalid field key gw-priority``

``--network`` takes docker/cli's CSV syntax (``opts/network.go`` ``NetworkOpt.Set``): ``name``, ``alias``,
``ip``, ``gw-priority`` are modelled; ``ip6``, ``driver-opt``, ``mac-address``, ``link-local-ip`` are refused.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from quizapp.words import Said, say

from .flags import CommandError, DockerRefusal

if TYPE_CHECKING:  # pragma: no cover
    from .daemon import DaemonSettings
    from .flags import ParsedFlags

GW_PRIORITY_SINCE = (28, 0)
_LONG = re.compile(r"\w+=\w+(,\w+=\w+)*")  # docker/cli's test (regexp.MatchString: anywhere in the value)
_INT = re.compile(r"^[+-]?\d+$")
_NOT_MODELLED = {"ip6": say("IPv6"), "driver-opt": say("endpoint driver options"), "mac-address": say("MAC addresses"),
                 "link-local-ip": say("link-local addresses")}


@dataclass
class EndpointOpts:
    """One ``--network`` value: the network and what the CSV syntax sets on its endpoint."""

    target: str
    aliases: list[str] = field(default_factory=list)
    ip: str | None = None
    priority: int | None = None


def _priority(text: str, settings: "DaemonSettings", flag_error: Said, docker: str) -> int:
    if settings.engine < GW_PRIORITY_SINCE:  # the older CLI's words (engine tier: refuse-gw-priority-*)
        raise DockerRefusal(flag_error, docker=docker)
    if not _INT.match(text.strip()):
        raise CommandError(say("invalid gw-priority ({text}): invalid syntax", text=text))
    return int(text)


def parse_network_value(value: str, settings: "DaemonSettings") -> EndpointOpts:
    """One ``--network`` value, plain (``app``) or in the CSV syntax (``name=app,gw-priority=10``)."""
    if not _LONG.search(value):
        return EndpointOpts(value)
    try:
        fields = next(csv.reader([value]))
    except (csv.Error, StopIteration) as exc:
        raise CommandError(say('invalid argument "{value}" for "--network" flag: {why}', value=value, why=str(exc))) from None
    opts = EndpointOpts("")
    for item in fields:
        key, eq, val = item.partition("=")
        key, val = key.strip(), val.strip()
        if not eq or not key:
            raise CommandError(say('invalid argument "{value}" for "--network" flag: invalid field {item}', value=value, item=item))
        if key == "name":
            opts.target = val
        elif key == "alias":
            opts.aliases.append(val)
        elif key == "ip":
            opts.ip = val
        elif key == "gw-priority":
            unknown = say('invalid argument "{value}" for "--network" flag: invalid field key {key}', value=value, key=key)
            if settings.engine >= GW_PRIORITY_SINCE and not _INT.match(val):
                raise CommandError(say('invalid argument "{value}" for "--network" flag: invalid gw-priority ({text}): invalid syntax', value=value, text=val))
            opts.priority = _priority(val, settings, unknown, str(unknown))
        elif key in _NOT_MODELLED:
            raise CommandError(say("docker run: --network ...,{key}=... is not modelled by the simulator ({why}); remove it",
                                   key=key, why=_NOT_MODELLED[key]))
        else:
            raise CommandError(say('invalid argument "{value}" for "--network" flag: invalid field key {key}', value=value, key=key))
    if not opts.target:
        raise CommandError(say('invalid argument "{value}" for "--network" flag: network name/id is not specified', value=value))
    return opts


def network_endpoints(f: "ParsedFlags", settings: "DaemonSettings") -> dict[str, EndpointOpts]:
    """Read ``docker run``'s ``--network`` values; ``f``'s network list keeps only the names afterwards."""
    parsed = [parse_network_value(v, settings) for v in f.all("network")]
    if parsed:
        f.values["network"] = [p.target for p in parsed]
    return {p.target: p for p in parsed}


def connect_priority(f: "ParsedFlags", settings: "DaemonSettings") -> int | None:
    """``docker network connect --gw-priority P`` (pflag IntVar), or the older CLI's refusal."""
    text = f.last("gw-priority")
    if text is None:
        return None
    if settings.engine >= GW_PRIORITY_SINCE and not _INT.match(text.strip()):
        raise CommandError(say('invalid argument "{text}" for "--gw-priority" flag: strconv.ParseInt: parsing "{text}": invalid syntax', text=text))
    return _priority(text, settings, say("unknown flag: --gw-priority (the docker network connect of Docker {version} has no such flag; it came with Docker 28.0)",
                                         version=settings.version_text), "unknown flag: --gw-priority")
