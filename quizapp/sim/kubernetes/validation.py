"""Kubernetes' own validation rules for names and ports, as the API server applies them."""

from __future__ import annotations

import re

from ..core.netutil import DNS1123_SUBDOMAIN

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
PROTOCOLS = ("TCP", "UDP", "SCTP")
HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.SafeEncodeString alphabet


def safe_encode(digest: bytes, n: int) -> str:
    """k8s rand.SafeEncodeString over the first ``n`` bytes (Deployment pod-template-hash and name suffixes)."""
    return "".join(HASH_ALPHABET[b % len(HASH_ALPHABET)] for b in digest[:n])


def iana_ok(name: str) -> bool:
    """A valid IANA_SVC_NAME (named container and target ports)."""
    return (len(name) <= 15 and bool(IANA_SVC_NAME.match(name)) and "--" not in name
            and any(ch.isalpha() for ch in name))


__all__ = ["DNS1035_LABEL", "DNS1123_LABEL", "DNS1123_SUBDOMAIN", "HASH_ALPHABET", "IANA_SVC_NAME", "PROTOCOLS",
           "iana_ok", "safe_encode"]
