"""Publishing: Docker's ``-p`` syntax, ``--expose`` port lists, and the ephemeral range random host ports come
from."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import said_of
from ..core.netutil import is_ip
from ..core.ports import PortSpecError, parse_port_list, port_range
from .flags import CommandError
from quizapp.words import say

EPHEMERAL_START = 32768  # /proc/sys/net/ipv4/ip_local_port_range on Linux: 32768-60999
EPHEMERAL_END = 60999


def port_list(text: str, what: str) -> set[tuple[int, str]]:
    """:func:`~quizapp.sim.core.ports.parse_port_list`, refusing bad input as a docker command error."""
    try:
        return parse_port_list(text, what)
    except PortSpecError as exc:
        raise CommandError(said_of(exc)) from None


def _ports(text: str, what: str) -> list[int]:
    try:
        return port_range(text, what)
    except PortSpecError as exc:
        raise CommandError(said_of(exc)) from None


@dataclass
class PublishSpec:
    host_ip: str
    host_ports: list[int] | None  # None: random
    container_ports: list[int]
    proto: str
    address_given: bool = False  # False: the network's host_binding_ipv4 (0.0.0.0 by default) applies


def parse_publish(spec: str) -> PublishSpec:
    """Docker's ``-p`` syntax: ``[ip:][hostPort[-end]:]containerPort[-end][/proto]``."""
    body, slash, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise CommandError(say('invalid proto: {proto} in -p {spec} (use tcp, udp or sctp)', proto=proto, spec=spec))
    if body.startswith("["):
        raise CommandError(say('-p {spec}: IPv6 host addresses are not modelled by the simulator', spec=spec))
    parts = body.split(":")
    if len(parts) == 1:
        host_ip, host, cont = "0.0.0.0", "", parts[0]
    elif len(parts) == 2:
        host_ip, host, cont = "0.0.0.0", parts[0], parts[1]
    elif len(parts) == 3:
        host_ip, host, cont = parts[0] or "0.0.0.0", parts[1], parts[2]
    else:
        raise CommandError(say('invalid port specification: {spec}', spec=repr(spec)))
    if not is_ip(host_ip):
        raise CommandError(say('invalid IP address in -p {spec}: {host_ip}', spec=spec, host_ip=host_ip))
    if not cont:
        raise CommandError(say('no port specified: {spec}<empty>', spec=spec))
    container_ports = _ports(cont, "containerPort")
    host_ports = _ports(host, "hostPort") if host else None
    if host_ports is not None and len(host_ports) > 1 and len(container_ports) > 1 and len(host_ports) != len(container_ports):
        raise CommandError(say('invalid ranges specified for container and host Ports: {cont} and {host}', cont=cont, host=host))
    if host_ports is not None and len(container_ports) > 1 and len(host_ports) == 1:
        raise CommandError(say('invalid ranges specified for container and host Ports: {cont} and {host}', cont=cont, host=host))
    return PublishSpec(host_ip, host_ports, container_ports, proto, len(parts) == 3 and bool(parts[0]))
