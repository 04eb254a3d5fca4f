"""Names Kubernetes gives things: kube-proxy's chain names, a Pod's display name."""

from __future__ import annotations

import base64
import hashlib

from .model import Endpoint, Pod, Service, ServicePort


def _hash16(s: str) -> str:
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]

def svc_chain(svc: Service, sp: ServicePort, prefix: str = "KUBE-SVC-") -> str:
    """kube-proxy's chain name: prefix + base32(sha256(ns/name:port + protocol))[:16]."""
    return prefix + _hash16(svc.port_label(sp) + sp.protocol.lower())

def sep_chain(svc: Service, sp: ServicePort, ep: Endpoint) -> str:
    return "KUBE-SEP-" + _hash16(svc.port_label(sp) + sp.protocol.lower() + ep.key)

def pod_name(pod: Pod) -> str:
    return pod.name if pod.namespace == "default" else f"{pod.namespace}/{pod.name}"
