"""kube-proxy's own configuration file, read as kube-proxy reads it.

``apiVersion: kubeproxy.config.k8s.io/v1alpha1``, ``kind: KubeProxyConfiguration`` (the types of
kubernetes ``staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go``), so a real file can be pasted into a
scenario. kube-proxy decodes it strictly: an unknown field stops it (``strict decoding error: unknown field``),
and so it is refused here. Each proxy mode reads only its own section (``iptables``, ``nftables``, ``ipvs``):
the others are accepted and reported as ignored.

Modelled: ``mode`` (``iptables``, the default on Linux, ``nftables``: :mod:`.nft_rules`, and ``ipvs``:
:mod:`.ipvs`), ``clusterCIDR``, ``detectLocalMode``
(``ClusterCIDR`` or ``NodeCIDR``), ``nodePortAddresses`` (CIDRs and the keywords ``primary``, ``localhost``,
``all``; nftables mode defaults to ``primary``), ``iptables.masqueradeAll``, ``iptables.localhostNodePorts``
(nftables and ipvs mode: never), ``nftables.masqueradeAll``; in ipvs mode ``ipvs.scheduler`` (``rr``, ``wrr``,
``sh``, ``mh``), ``ipvs.strictARP`` (recorded: it changes ARP only) and ``iptables.masqueradeAll`` (the ipvs proxier
takes it from the iptables section, cmd/kube-proxy/app/server_linux.go). Fields that only tune kube-proxy
itself (sync periods, logging, metrics, conntrack sizes, the client connection) are accepted and have no
effect on a trace. Fields and values that would change traffic in a way the simulator does not model are
refused with the reason.

Pure: a dict in, a :class:`ProxyConfig` out, problems reported to ``err(path, message)``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Callable
from quizapp.words import say

Err = Callable[[str, str], None]
Warn = Callable[[str, str], None]

API_VERSION = "kubeproxy.config.k8s.io/v1alpha1"
KEYWORDS = ("primary", "localhost", "all")

_TUNING = {"featureGates", "clientConnection", "logging", "hostnameOverride", "bindAddress", "healthzBindAddress",
           "metricsBindAddress", "bindAddressHardFail", "enableProfiling", "showHiddenMetricsForVersion",
           "oomScoreAdj", "conntrack", "configSyncPeriod", "portRange", "windowsRunAsService", "winkernel",
           "detectLocal"}
_MODELLED = {"mode", "clusterCIDR", "detectLocalMode", "nodePortAddresses", "iptables", "nftables", "ipvs"}
_SECTIONS = {
    "iptables": {"masqueradeBit", "masqueradeAll", "localhostNodePorts", "snatNodeInternalIP", "syncPeriod",
                 "minSyncPeriod"},
    "nftables": {"masqueradeBit", "masqueradeAll", "syncPeriod", "minSyncPeriod"},
    "ipvs": {"syncPeriod", "minSyncPeriod", "scheduler", "excludeCIDRs", "strictARP", "tcpTimeout",
             "tcpFinTimeout", "udpTimeout"},
}
MODES = ("iptables", "nftables", "ipvs")  # modes the tracer models
# IPVS schedulers the kernel has (ipvsadm(8)); the modelled ones pick without live connection counts
IPVS_SCHEDULERS = ("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos")
IPVS_MODELLED = {"rr": "round robin", "wrr": "weighted round robin (kube-proxy gives every real server weight 1)",
                 "sh": "source hashing", "mh": "Maglev hashing (kube-proxy sets the source-hash flag)"}
_IPVS_NOT_MODELLED = {
    "excludeCIDRs": say("it only keeps kube-proxy from deleting virtual servers it did not create, and the scenario has none"),
    "tcpTimeout": say("IPVS idle timeouts (ipvsadm --set) change how long an idle connection lives, not where it goes"),
    "tcpFinTimeout": say("IPVS idle timeouts (ipvsadm --set) change how long an idle connection lives, not where it goes"),
    "udpTimeout": say("IPVS idle timeouts (ipvsadm --set) change how long an idle connection lives, not where it goes"),
}
KNOWN_MODES = ("iptables", "nftables", "ipvs", "kernelspace")


@dataclass
class ProxyConfig:
    mode: str = "iptables"
    cluster_cidr: ipaddress.IPv4Network | None = None  # None: unset
    cluster_cidr_set: bool = False
    detect_local_mode: str = "ClusterCIDR"
    node_port_addresses: list[str] = field(default_factory=list)  # [] = the mode's default
    masquerade_all: bool = False
    localhost_nodeports: bool = True
    ipvs_scheduler: str = "rr"
    strict_arp: bool = False  # ipvs.strictARP: arp_ignore=1, arp_announce=2 (recorded; ARP is not traced)
    given: bool = False  # a KubeProxyConfiguration document was in the scenario

    def nodeport_on(self, address: str, primary: str) -> bool:
        """Does a NodePort answer on ``address`` of a node whose primary address is ``primary``?"""
        if address.startswith("127."):
            return self.localhost_nodeports and (not self.node_port_addresses
                                                 or self._covered(address, primary, loopback=True))
        if not self.node_port_addresses:
            return True  # iptables mode: 'all'
        return self._covered(address, primary)

    def _covered(self, address: str, primary: str, loopback: bool = False) -> bool:
        a = ipaddress.IPv4Address(address)
        for entry in self.node_port_addresses:
            if entry == "all" or (entry == "primary" and address == primary) or (entry == "localhost" and loopback):
                return True
            if entry not in KEYWORDS and a in ipaddress.IPv4Network(entry, strict=False):
                return True
        return False


def parse_proxy_config(obj: dict, err: Err, warn: Warn) -> ProxyConfig:
    cfg = ProxyConfig(given=True)
    for k in obj:
        if k in ("apiVersion", "kind") or k in _TUNING or k in _MODELLED:
            continue
        err(k, say('strict decoding error: unknown field "{k}" (kube-proxy refuses to start with it)', k=k))
    mode = obj.get("mode") or "iptables"
    if mode not in KNOWN_MODES:
        err("mode", say('Invalid value: {mode}: must be "iptables", "nftables" or "ipvs"', mode=repr(mode)))
    elif mode not in MODES:
        err("mode", say("not modelled: mode {mode} (the simulator models kube-proxy's iptables, nftables and ipvs modes)", mode=mode))
    else:
        cfg.mode = mode
    for section, keys in _SECTIONS.items():
        body = obj.get(section)
        if body is None:
            continue
        if not isinstance(body, dict):
            err(section, say('must be a mapping'))
            continue
        for k in body:
            if k not in keys:
                err(f"{section}.{k}", say('strict decoding error: unknown field "{section}.{k}"', section=section, k=k))
        read = {k for k in body if k in ("masqueradeAll", "masqueradeBit")} if (cfg.mode, section) == ("ipvs", "iptables") else set()
        if section != cfg.mode and set(body) - read:
            what = f"its {cfg.mode} section" + (" and iptables.masqueradeAll/masqueradeBit" if cfg.mode == "ipvs" else "")
            warn(section, say('ignored: kube-proxy in {mode} mode reads only {what}', mode=cfg.mode, what=what))
    ipt = obj.get("iptables") if isinstance(obj.get("iptables"), dict) else {}
    if cfg.mode == "nftables":  # localhost NodePorts never work; masqueradeAll from its own section
        nft = obj.get("nftables") if isinstance(obj.get("nftables"), dict) else {}
        cfg.masquerade_all = _bool(nft, "masqueradeAll", "nftables", err, False)
        cfg.localhost_nodeports = False
    if cfg.mode == "ipvs":
        _parse_ipvs(cfg, obj.get("ipvs") if isinstance(obj.get("ipvs"), dict) else {}, err)
        cfg.masquerade_all = _bool(ipt, "masqueradeAll", "iptables", err, False)
        cfg.localhost_nodeports = False  # IPVS virtual servers are never made for loopback addresses
    if cfg.mode == "iptables":
        cfg.masquerade_all = _bool(ipt, "masqueradeAll", "iptables", err, False)
        cfg.localhost_nodeports = _bool(ipt, "localhostNodePorts", "iptables", err, True)
        if _bool(ipt, "snatNodeInternalIP", "iptables", err, False):
            err("iptables.snatNodeInternalIP", say("not modelled: SNAT to the node's InternalIP"))
    cidr = obj.get("clusterCIDR")
    if cidr not in (None, ""):
        text = str(cidr)
        if "," in text or ":" in text:
            err("clusterCIDR", say('not modelled: dual-stack / IPv6 cluster CIDRs (the simulator is IPv4 only)'))
        else:
            try:
                cfg.cluster_cidr = ipaddress.IPv4Network(text, strict=False)
                cfg.cluster_cidr_set = True
            except ValueError as exc:
                err("clusterCIDR", say('Invalid value: {cidr}: {exc}', cidr=repr(cidr), exc=exc))
    dlm = obj.get("detectLocalMode") or "ClusterCIDR"
    if dlm not in ("ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"):
        err("detectLocalMode", say('Unsupported value: {dlm}: supported values: "ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"', dlm=repr(dlm)))
    elif dlm not in ("ClusterCIDR", "NodeCIDR"):
        err("detectLocalMode", say('not modelled: detectLocalMode {dlm}; use ClusterCIDR or NodeCIDR', dlm=dlm))
    else:
        cfg.detect_local_mode = dlm
    npa = obj.get("nodePortAddresses")
    if npa is not None:
        if not isinstance(npa, list):
            err("nodePortAddresses", say('must be a list of CIDRs and keywords (primary, localhost, all)'))
        for i, entry in enumerate(npa if isinstance(npa, list) else []):
            text = str(entry)
            if text in KEYWORDS:
                cfg.node_port_addresses.append(text)
                continue
            if ":" in text:
                warn(f"nodePortAddresses[{i}]", say('an IPv6 range: no effect on IPv4 NodePorts'))
                continue
            try:
                ipaddress.IPv4Network(text, strict=False)
            except ValueError:
                err(f"nodePortAddresses[{i}]", say('Invalid value: {entry}: must be a CIDR or one of primary, localhost, all', entry=repr(entry)))
                continue
            cfg.node_port_addresses.append(text)
    if cfg.mode == "nftables" and npa is None:
        cfg.node_port_addresses = ["primary"]  # nftables mode's default: the node's primary address only
    if cfg.detect_local_mode == "ClusterCIDR" and not cfg.cluster_cidr_set:
        cfg.cluster_cidr = None  # kube-proxy then cannot tell Pod traffic from other traffic
    return cfg


def _parse_ipvs(cfg: ProxyConfig, ipvs: dict, err: Err) -> None:
    sched = ipvs.get("scheduler") or "rr"
    if sched not in IPVS_SCHEDULERS:
        err("ipvs.scheduler", say("Invalid value: {sched}: the kernel has no IPVS scheduler of that name (kube-proxy: can't use the IPVS proxier); one of {ipvs_schedulers}", sched=repr(sched), ipvs_schedulers=', '.join(IPVS_SCHEDULERS)))
    elif sched not in IPVS_MODELLED:
        err("ipvs.scheduler", say('not modelled: scheduler {sched}: its pick depends on live connection counts, weights or failover state that a trace of one connection cannot show; modelled: {ipvs_modelled}', sched=sched, ipvs_modelled=', '.join(IPVS_MODELLED)))
    else:
        cfg.ipvs_scheduler = sched
    cfg.strict_arp = _bool(ipvs, "strictARP", "ipvs", err, False)
    for key, why in _IPVS_NOT_MODELLED.items():
        if ipvs.get(key) not in (None, "", [], "0s", 0):
            err(f"ipvs.{key}", say('not modelled: ipvs.{key} ({why}); remove it', key=key, why=why))


def default_proxy_config(cluster_cidr: ipaddress.IPv4Network) -> ProxyConfig:
    """No KubeProxyConfiguration in the scenario: kubeadm's, whose clusterCIDR is the pod network."""
    return ProxyConfig(cluster_cidr=cluster_cidr, cluster_cidr_set=True)


def _bool(obj: dict, key: str, section: str, err: Err, default: bool) -> bool:
    v = obj.get(key)
    if v is None:
        return default
    if not isinstance(v, bool):
        err(f"{section}.{key}", say('Invalid value: {v}: must be true or false', v=repr(v)))
        return default
    return v


def is_local(cfg: ProxyConfig, src: str, node_pod_cidr: Any) -> bool | None:
    """kube-proxy's local-traffic detector: is ``src`` a Pod address? None when it cannot tell (no detector)."""
    a = ipaddress.IPv4Address(src)
    if cfg.detect_local_mode == "NodeCIDR":
        return node_pod_cidr is not None and a in node_pod_cidr
    if cfg.cluster_cidr is None:
        return None
    return a in cfg.cluster_cidr
