"""A Pod's /etc/resolv.conf as the kubelet writes it, and the queries its resolver sends, in order.

kubernetes.io/docs/concepts/services-networking/dns-pod-service/:

* ``dnsPolicy: ClusterFirst`` (the default): ``nameserver <cluster DNS>`` (kube-dns's Cluster IP, the
  kubelet's ``clusterDNS``), ``search <ns>.svc.<domain> svc.<domain> <domain>``, ``options ndots:5``.
  A hostNetwork Pod with ClusterFirst falls back to ``Default``.
* ``ClusterFirstWithHostNet``: the same for hostNetwork Pods too.
* ``Default``: the node's resolv.conf (here: the LAN's resolver, no search list, ndots 1).
* ``None``: only what ``dnsConfig`` says (at least one nameserver).
* ``dnsConfig`` is merged into the others: nameservers and searches appended (at most 3 nameservers and 32
  search domains), options override by name.

The resolver (glibc, musl alike for this): a name ending in a dot is absolute and asked once. Otherwise, a
name with at least ``ndots`` dots is asked as is first, then with each search suffix; a name with fewer dots
is asked with each search suffix first, then as is. The first answer wins; each query that gets NXDOMAIN
costs a round trip (why ``ndots:5`` makes ``example.com`` cost four queries).

Pure: plain values in and out.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from quizapp.words import Said, say

Err = Callable[[str, str], None]

NODE_RESOLVER = "the node's resolver"
MAX_NAMESERVERS = 3
MAX_SEARCHES = 32
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$")


@dataclass(frozen=True)
class DNSConfig:
    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[tuple[str, str | None], ...] = ()


@dataclass
class ResolvConf:
    nameservers: list[str]
    searches: list[str]
    ndots: int
    reason: Said  # how the kubelet arrived at it, as a message (the trace renders it in the reader's language)
    options: dict[str, str | None] = field(default_factory=dict)

    @property
    def why(self) -> str:
        return str(self.reason)

    def text(self) -> str:
        parts = [f"nameserver {', '.join(self.nameservers)}"]
        if self.searches:
            parts.append(f"search {' '.join(self.searches)}")
        parts.append(f"options ndots:{self.ndots}")
        return "; ".join(parts)


def parse_dns_config(obj: Any, path: str, err: Err) -> DNSConfig | None:
    """``spec.dnsConfig`` with the API server's checks."""
    if obj is None:
        return None
    if not isinstance(obj, dict):
        err(path, say('must be a mapping with nameservers, searches and options'))
        return None
    ok = True
    for k in obj:
        if k not in ("nameservers", "searches", "options"):
            err(f"{path}.{k}", say('strict decoding error: unknown field "{k}": dnsConfig takes nameservers, searches and options', k=k))
            ok = False
    servers = []
    for i, ns in enumerate(obj.get("nameservers") or []):
        try:
            addr = ipaddress.ip_address(str(ns))
        except ValueError:
            err(f"{path}.nameservers[{i}]", say('Invalid value: {ns}: must be a valid IP address', ns=repr(ns)))
            ok = False
            continue
        if addr.version != 4:
            err(f"{path}.nameservers[{i}]", say('not modelled: IPv6 nameservers (the simulator is IPv4 only)'))
            ok = False
            continue
        servers.append(str(addr))
    if len(servers) > MAX_NAMESERVERS:
        err(f"{path}.nameservers", say('Invalid value: must not have more than {max_nameservers} nameservers', max_nameservers=MAX_NAMESERVERS))
        ok = False
    searches = []
    for i, s in enumerate(obj.get("searches") or []):
        if not isinstance(s, str) or not _DNS_NAME.match(s.lower()):
            err(f"{path}.searches[{i}]", say('Invalid value: {s}: must be a DNS name', s=repr(s)))
            ok = False
            continue
        searches.append(s.lower().rstrip("."))
    if len(searches) > MAX_SEARCHES:
        err(f"{path}.searches", say('Invalid value: must not have more than {max_searches} search paths', max_searches=MAX_SEARCHES))
        ok = False
    options = []
    for i, o in enumerate(obj.get("options") or []):
        if not isinstance(o, dict) or not isinstance(o.get("name"), str):
            err(f"{path}.options[{i}]", say('Required value: each option needs a name (and optionally a value)'))
            ok = False
            continue
        value = o.get("value")
        if o["name"] == "ndots":
            if not (isinstance(value, str) and value.isdigit()):
                err(f"{path}.options[{i}].value", say('Invalid value: {value}: ndots takes a number, as a string ("2")', value=repr(value)))
                ok = False
                continue
        options.append((o["name"], None if value is None else str(value)))
    return DNSConfig(tuple(servers), tuple(searches), tuple(options)) if ok else None


def pod_resolv_conf(dns_policy: str, host_network: bool, namespace: str, domain: str, cluster_dns: str,
                    config: DNSConfig | None) -> ResolvConf:
    """The resolv.conf the kubelet writes for a Pod."""
    if dns_policy == "None":
        conf = ResolvConf([], [], 5, say("dnsPolicy None: only spec.dnsConfig"))
    elif dns_policy == "Default" or (dns_policy == "ClusterFirst" and host_network):
        why = (say("dnsPolicy Default: the node's resolv.conf") if dns_policy == "Default" else
               say("hostNetwork Pod with dnsPolicy ClusterFirst falls back to the node's resolv.conf "
                   "(set dnsPolicy: ClusterFirstWithHostNet for cluster DNS)"))
        conf = ResolvConf([NODE_RESOLVER], [], 1, why)
    else:
        conf = ResolvConf([cluster_dns], [f"{namespace}.svc.{domain}", f"svc.{domain}", domain], 5,
                          say("dnsPolicy {policy}: cluster DNS", policy=dns_policy))
    if config is not None:
        conf.nameservers = (conf.nameservers + [s for s in config.nameservers if s not in conf.nameservers])[:MAX_NAMESERVERS]
        conf.searches = (conf.searches + [s for s in config.searches if s not in conf.searches])[:MAX_SEARCHES]
        for name, value in config.options:
            conf.options[name] = value
        if "ndots" in conf.options:
            conf.ndots = min(int(conf.options["ndots"] or 1), 15)  # glibc caps ndots at 15
        if dns_policy != "None":
            conf.reason = say("{why} + spec.dnsConfig", why=conf.reason)
    return conf


def query_names(name: str, conf: ResolvConf) -> list[str]:
    """The names the resolver asks for, in order, until one is answered."""
    low = name.lower()
    if low.endswith("."):
        return [low.rstrip(".")]
    suffixed = [f"{low}.{s}" for s in conf.searches]
    if low.count(".") >= conf.ndots:
        return [low] + suffixed
    return suffixed + [low]


def dashed(ip: str) -> str:
    """An address as CoreDNS spells it in a record name: 10.244.1.5 -> 10-244-1-5."""
    return ip.replace(".", "-")
