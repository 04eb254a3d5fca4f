"""HTTP requests in a trace, and the matching rules Ingress and the Gateway API share.

A trace destination may be a URL (``http://shop.example.com/cart``, ``https://...:8443/x?a=b``):
:func:`parse_url` turns it into an :class:`HttpRequest` (method GET, the Host header from the URL, as ``curl URL``
sends it; no other header). The matchers are pure and follow the API documents:

* :func:`ingress_host_match`: an Ingress host is exact, or ``*.example.com``, which matches exactly one more
  label (kubernetes.io/docs/concepts/services-networking/ingress/#hostname-wildcards; ingress-nginx turns it into
  ``~^(?<subdomain>[\\w-]+)\\.example\\.com$``);
* :func:`gateway_host_match`: a Gateway API hostname ``*.example.com`` is a suffix match, one label or more
  (gateway-api ``apis/v1/httproute_types.go``, ``HTTPRouteSpec.Hostnames``);
* :func:`prefix_match`: ``Prefix`` / ``PathPrefix`` compare path elements split by ``/``, a trailing ``/`` ignored
  (``/foo/bar`` matches ``/foo/bar/baz``, not ``/foo/barbaz``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from quizapp.words import Said, say

from ..core.errors import TraceError
from ..core.netutil import DNS1123_SUBDOMAIN, is_ip

STATUS_TEXT = {200: "OK", 308: "Permanent Redirect", 400: "Bad Request", 404: "Not Found",
               500: "Internal Server Error", 503: "Service Temporarily Unavailable"}
# what an Exact or Prefix path may not hold (the API server's checks; regular expressions are not modelled)
_BAD_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
REGEX_CHARS = re.compile(r"[\^$()\[\]{}*+?|\\]")


@dataclass
class HttpRequest:
    """The request a URL destination sends: ``GET path`` with ``Host: host[:port]``."""

    scheme: str  # http | https
    host: str  # lower case, no port
    port: int
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    method: str = "GET"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"

    def headers(self) -> dict[str, str]:
        """The request's headers (lower-case names): only Host, as the trace sends no others."""
        return {"host": self.host_header}


def parse_url(dst: str) -> HttpRequest:
    """``http[s]://HOST[:PORT][/PATH][?QUERY]`` -> :class:`HttpRequest`; :class:`TraceError` when it is not one."""
    try:
        parts = urlsplit(dst)
        port = parts.port
    except ValueError as exc:
        raise TraceError(say('--to {dst}: not a valid URL ({exc})', dst=repr(dst), exc=exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TraceError(say('--to {dst}: only http:// and https:// URLs are traced', dst=repr(dst)))
    if parts.username or parts.password:
        raise TraceError(say('--to {dst}: user information in the URL is not modelled', dst=repr(dst)))
    host = (parts.hostname or "").rstrip(".")
    if not host or not (is_ip(host) or DNS1123_SUBDOMAIN.match(host)):
        raise TraceError(say('--to {dst}: the URL needs a host name or an IPv4 address', dst=repr(dst)))
    if port is not None and not 1 <= port <= 65535:
        raise TraceError(say('--to {dst}: the port must be from 1 to 65535', dst=repr(dst)))
    path = parts.path or "/"
    if parts.fragment:
        raise TraceError(say('--to {dst}: a #fragment is never sent to the server; leave it out', dst=repr(dst)))
    return HttpRequest(scheme, host, port or (443 if scheme == "https" else 80), path,
                       parse_qsl(parts.query, keep_blank_values=True), dst)


def prefix_match(prefix: str, path: str) -> bool:
    """Element-wise prefix match (Ingress ``Prefix``, HTTPRoute ``PathPrefix``); a trailing ``/`` is ignored."""
    want = [e for e in prefix.split("/") if e]
    have = [e for e in path.split("/") if e]
    return have[:len(want)] == want


def prefix_length(prefix: str) -> int:
    """The length a Prefix match counts with (a trailing ``/`` is ignored, so ``/foo/`` and ``/foo`` tie)."""
    return len(prefix.rstrip("/")) or 1


def path_problem(path: Any) -> str | None:
    """Why an Exact / Prefix path is refused (None: fine)."""
    if not isinstance(path, str) or not path.startswith("/"):
        return f"Invalid value: {path!r}: must be an absolute path"
    for seq in _BAD_SEQUENCES:
        if seq in path:
            return f"Invalid value: {path!r}: must not contain '{seq}'"
    if path.endswith("/..") or path.endswith("/."):
        return f"Invalid value: {path!r}: must not end with '/..' or '/.'"
    if REGEX_CHARS.search(path):
        return (f"not modelled: {path!r} looks like a regular expression; regex paths (ingress-nginx use-regex, "
                "HTTPRoute RegularExpression) are not modelled: use a plain Exact or Prefix path")
    return None


def hostname_problem(host: Any, what: str = "host") -> str | None:
    """Why an Ingress host / Gateway hostname is refused (None: fine): a lower-case DNS name, ``*.`` first only."""
    if not isinstance(host, str) or not host:
        return f"Invalid value: {host!r}: a {what} must be a DNS name"
    if is_ip(host):
        return f"Invalid value: {host!r}: must be a DNS name, not an IP address"
    body = host[2:] if host.startswith("*.") else host
    if "*" in body or not DNS1123_SUBDOMAIN.match(body) or len(host) > 253:
        return (f"Invalid value: {host!r}: a lowercase RFC 1123 subdomain, optionally with a wildcard label "
                "'*.' in front")
    return None


def ingress_host_match(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        head, dot, rest = host.partition(".")
        return bool(head) and bool(dot) and rest == pattern[2:]
    return pattern == host


def gateway_host_match(pattern: str, host: str) -> bool:
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def _covers(a: str, b: str) -> bool:
    """Whether hostname pattern ``a`` matches every name ``b`` matches."""
    if b.startswith("*."):
        return a.startswith("*.") and b[1:].endswith(a[1:])
    return gateway_host_match(a, b)


def hostname_intersection(listener: str | None, route: list[str]) -> list[str]:
    """The hostnames a Route serves on a Listener (gateway-api HTTPRouteSpec.Hostnames): the route's hostnames
    that the listener's covers, or the listener's where a route wildcard covers it; ``*`` (any) when neither
    side names one. Empty: they do not intersect and the Route is not accepted on that Listener."""
    if listener is None:
        return list(route) or ["*"]
    if not route:
        return [listener]
    out = []
    for h in route:
        if _covers(listener, h):
            out.append(h)
        elif _covers(h, listener):
            out.append(listener)
    return out


def status_line(code: int) -> str:
    return f"{code} {STATUS_TEXT.get(code, '')}".strip()


@dataclass
class Backend:
    """A Service port an Ingress path or an HTTPRoute rule sends to (``port``: number or, Ingress only, name)."""

    namespace: str
    service: str
    port: int | str
    weight: int = 1
    where: str = ""  # field path of the reference, for messages
    problem: str | Said | None = None  # why the reference is invalid (the proxy answers 500 for its share)

    @property
    def label(self) -> str:
        return f"{self.namespace}/{self.service}:{self.port}"


@dataclass
class Decision:
    """What an L7 proxy does with one request: answer it itself (``backends`` empty: ``status``) or pass it to
    one of ``backends`` (weighted). ``matched`` names the object and rule; ``notes`` become hops."""

    status: int
    matched: str | Said  # hop texts are messages (quizapp.words); str() is the English text
    backends: list[Backend] = field(default_factory=list)
    notes: list[str | Said] = field(default_factory=list)
    tls: str | Said | None = None  # "terminated with ..." when the proxy terminated TLS
    via_cluster_ip: bool = False  # ingress-nginx service-upstream: proxy to the Cluster IP, not the endpoints
    location: str | None = None  # e.g. "https://shop.example.com/cart" for a redirect
