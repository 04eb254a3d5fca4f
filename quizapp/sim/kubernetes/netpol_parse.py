"""Parsing a NetworkPolicy manifest with the API server's checks (validation of networking/v1), into the
objects of :mod:`quizapp.sim.kubernetes.netpol`."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable

from .netpol import IPBlock, LabelSelector, NetworkPolicy, Peer, PolicyPort, Rule
from quizapp.words import say

Err = Callable[[str, str], None]

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_PROTOCOLS = ("TCP", "UDP", "SCTP")
_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_POLICY_FIELDS = {"podSelector", "policyTypes", "ingress", "egress"}


# ------------------------------------------------------------------------------------------ parsing

def _selector(obj: Any, path: str, err: Err) -> LabelSelector | None:
    if obj is None:
        return LabelSelector()
    if not isinstance(obj, dict):
        err(path, say('must be a label selector (matchLabels / matchExpressions), not {type_name}', type_name=type(obj).__name__))
        return None
    ok = True
    for k in obj:
        if k not in ("matchLabels", "matchExpressions"):
            err(f"{path}.{k}", say('strict decoding error: unknown field "{k}": a label selector takes matchLabels and matchExpressions', k=k))
            ok = False
    labels = obj.get("matchLabels") or {}
    if not isinstance(labels, dict):
        err(f"{path}.matchLabels", say('must be a mapping of label keys to values'))
        return None
    ml = []
    for k, v in labels.items():
        if not isinstance(v, str):
            err(f"{path}.matchLabels.{k}", say('Invalid value: {v}: label values must be strings; quote it', v=repr(v)))
            ok = False
            continue
        ml.append((str(k), v))
    exprs = []
    items = obj.get("matchExpressions") or []
    if not isinstance(items, list):
        err(f"{path}.matchExpressions", say('must be a list of {{key, operator, values}}'))
        return None
    for i, e in enumerate(items):
        ep = f"{path}.matchExpressions[{i}]"
        if not isinstance(e, dict) or not isinstance(e.get("key"), str):
            err(ep, say('Required value: each expression needs a key, an operator and (for In / NotIn) values'))
            ok = False
            continue
        op = e.get("operator")
        if op not in _OPERATORS:
            err(f"{ep}.operator", say('Unsupported value: {op}: supported values: "DoesNotExist", "Exists", "In", "NotIn"', op=repr(op)))
            ok = False
            continue
        values = e.get("values") or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            err(f"{ep}.values", say('must be a list of strings'))
            ok = False
            continue
        if op in ("In", "NotIn") and not values:
            err(f"{ep}.values", say("Required value: must be specified when `operator` is 'In' or 'NotIn'"))
            ok = False
            continue
        if op in ("Exists", "DoesNotExist") and values:
            err(f"{ep}.values", say("Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
            ok = False
            continue
        exprs.append((e["key"], op, tuple(values)))
    if not ok:
        return None
    return LabelSelector(tuple(ml), tuple(exprs))


def _ip_block(obj: Any, path: str, err: Err) -> IPBlock | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("cidr"), str):
        err(f"{path}.cidr", say('Required value: an ipBlock needs a cidr, e.g. 10.0.0.0/8'))
        return None
    text = obj["cidr"]
    if ":" in text:
        err(f"{path}.cidr", say('not modelled: IPv6 blocks (the simulator is IPv4 only)'))
        return None
    try:
        cidr = ipaddress.IPv4Network(text, strict=False)
    except ValueError as exc:
        err(f"{path}.cidr", say('Invalid value: {text}: {exc}', text=repr(text), exc=exc))
        return None
    excepts = []
    for i, e in enumerate(obj.get("except") or []):
        ep = f"{path}.except[{i}]"
        try:
            net = ipaddress.IPv4Network(str(e), strict=False)
        except ValueError as exc:
            err(ep, say('Invalid value: {e}: {exc}', e=repr(e), exc=exc))
            return None
        if not (net.subnet_of(cidr) and net != cidr):
            err(ep, say('Invalid value: {e}: must be a strict subset of `cidr` {cidr}', e=repr(e), cidr=cidr))
            return None
        excepts.append(net)
    for k in obj:
        if k not in ("cidr", "except"):
            err(f"{path}.{k}", say('strict decoding error: unknown field "{k}": an ipBlock takes cidr and except', k=k))
            return None
    return IPBlock(cidr, tuple(excepts))


def _peer(obj: Any, path: str, err: Err) -> Peer | None:
    if not isinstance(obj, dict) or not obj:
        err(path, say('Required value: must specify a peer (podSelector, namespaceSelector or ipBlock)'))
        return None
    for k in obj:
        if k not in ("podSelector", "namespaceSelector", "ipBlock"):
            err(f"{path}.{k}", say('strict decoding error: unknown field "{k}": a peer takes podSelector, namespaceSelector and ipBlock', k=k))
            return None
    if "ipBlock" in obj:
        if "podSelector" in obj or "namespaceSelector" in obj:
            err(path, say('Forbidden: may not specify both ipBlock and another peer'))
            return None
        block = _ip_block(obj["ipBlock"], f"{path}.ipBlock", err)
        return Peer(ip_block=block) if block else None
    pod = ns = None
    if "podSelector" in obj:
        pod = _selector(obj["podSelector"], f"{path}.podSelector", err)
        if pod is None:
            return None
    if "namespaceSelector" in obj:
        ns = _selector(obj["namespaceSelector"], f"{path}.namespaceSelector", err)
        if ns is None:
            return None
    return Peer(pod, ns)


def _port(obj: Any, path: str, err: Err) -> PolicyPort | None:
    if not isinstance(obj, dict):
        err(path, say('must be a mapping with protocol, port and endPort'))
        return None
    for k in obj:
        if k not in ("protocol", "port", "endPort"):
            err(f"{path}.{k}", say('strict decoding error: unknown field "{k}": a port takes protocol, port and endPort', k=k))
            return None
    proto = obj.get("protocol", "TCP")
    if proto not in _PROTOCOLS:
        err(f"{path}.protocol", say('Unsupported value: {proto}: supported values: "SCTP", "TCP", "UDP"', proto=repr(proto)))
        return None
    port = obj.get("port")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if isinstance(port, bool) or (port is not None and not isinstance(port, (int, str))):
        err(f"{path}.port", say('Invalid value: {port}: must be a port number or a port name', port=repr(port)))
        return None
    if isinstance(port, int) and not 1 <= port <= 65535:
        err(f"{path}.port", say('Invalid value: {port}: must be between 1 and 65535, inclusive', port=port))
        return None
    if isinstance(port, str) and not (len(port) <= 15 and _IANA_SVC_NAME.match(port) and "--" not in port
                                      and any(c.isalpha() for c in port)):
        err(f"{path}.port", say('Invalid value: {port}: must be a port number or an IANA_SVC_NAME', port=repr(port)))
        return None
    end = obj.get("endPort")
    if end is not None:
        if not isinstance(port, int):
            err(f"{path}.endPort", say('Invalid value: may not be specified when `port` is not a number'))
            return None
        if isinstance(end, bool) or not isinstance(end, int) or not port <= end <= 65535:
            err(f"{path}.endPort", say('Invalid value: {end}: must be greater than or equal to `port` ({port}) and at most 65535', end=repr(end), port=port))
            return None
    return PolicyPort(proto, port, end)


def _rules(items: Any, direction: str, path: str, err: Err) -> tuple[Rule, ...] | None:
    if items is None:
        return ()
    if not isinstance(items, list):
        err(path, say('must be a list of {direction} rules', direction=direction))
        return None
    peer_key = "from" if direction == "ingress" else "to"
    out = []
    ok = True
    for i, r in enumerate(items):
        rp = f"{path}[{i}]"
        if r is None:
            r = {}
        if not isinstance(r, dict):
            err(rp, say('must be a mapping with {peer_key} and ports', peer_key=peer_key))
            ok = False
            continue
        for k in r:
            if k not in (peer_key, "ports"):
                err(f"{rp}.{k}", say('strict decoding error: unknown field "{k}": an {direction} rule takes {peer_key} and ports', k=k, direction=direction, peer_key=peer_key))
                ok = False
        peers = []
        for j, p in enumerate(r.get(peer_key) or []):
            peer = _peer(p, f"{rp}.{peer_key}[{j}]", err)
            ok = ok and peer is not None
            if peer:
                peers.append(peer)
        ports = []
        for j, p in enumerate(r.get("ports") or []):
            port = _port(p, f"{rp}.ports[{j}]", err)
            ok = ok and port is not None
            if port:
                ports.append(port)
        out.append(Rule(direction, i, tuple(peers), tuple(ports)))
    return tuple(out) if ok else None


def parse_network_policy(obj: dict, err: Err, doc: int = 0) -> NetworkPolicy | None:
    """A :class:`NetworkPolicy` from its manifest, or None after reporting each problem to ``err(path, msg)``."""
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name")
    ns = meta.get("namespace") or "default"
    if not isinstance(name, str) or not _DNS1123_SUBDOMAIN.match(name):
        err("metadata.name", say('Invalid value: {name}: a NetworkPolicy needs a lowercase RFC 1123 name', name=repr(name)))
        return None
    spec = obj.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        err("spec", say('must be a mapping'))
        return None
    ok = True
    for k in spec:
        if k not in _POLICY_FIELDS:
            err(f"spec.{k}", f'strict decoding error: unknown field "spec.{k}": a NetworkPolicy spec takes '
                             + ", ".join(sorted(_POLICY_FIELDS)))
            ok = False
    selector = _selector(spec.get("podSelector"), "spec.podSelector", err)
    ingress = _rules(spec.get("ingress"), "ingress", "spec.ingress", err)
    egress = _rules(spec.get("egress"), "egress", "spec.egress", err)
    types = spec.get("policyTypes")
    if types is None:
        kinds = {"Ingress"} | ({"Egress"} if egress else set())
    else:
        kinds = set()
        if not isinstance(types, list):
            err("spec.policyTypes", say('must be a list: [Ingress], [Egress] or [Ingress, Egress]'))
            ok = False
        else:
            for i, t in enumerate(types):
                if t not in ("Ingress", "Egress"):
                    err(f"spec.policyTypes[{i}]", say('Unsupported value: {t}: supported values: "Egress", "Ingress"', t=repr(t)))
                    ok = False
                kinds.add(t)
    if not ok or selector is None or ingress is None or egress is None:
        return None
    return NetworkPolicy(ns, name, selector, frozenset(kinds), ingress, egress, doc)
