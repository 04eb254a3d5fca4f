"""A container's ``/etc/resolv.conf`` and the names its own ``/etc/hosts`` line gives it: ``--dns``,
``--dns-search``, ``--dns-option``, ``-h`` and ``--domainname``, and the order in which the container's resolver
tries a name against its search domains.

Sources: moby ``libnetwork/sandbox_dns_unix.go`` (``setupDNS``: with any of ``--dns``/``--dns-search``/
``--dns-option`` the file is built from them, each missing one taken from the host's file; ``rebuildDNS``: with the
embedded DNS the nameserver is 127.0.0.11, the search list is kept and ``ndots:0`` is appended unless the user set
ndots; ``updateHostsFile``: the line ``<ip> <hostname>.<domainname> <hostname>``); ``libnetwork/resolvconf``
(``Build``: ``search`` first, then ``nameserver`` lines, then ``options``; a search list of just ``.`` writes no
search line); ``libnetwork/resolver.go`` (with ndots set by the user, a single-label name the embedded DNS does not
know gets an empty answer instead of being forwarded, so the client goes on with its search list); the docker
CLI's ``opts.ValidateDNSSearch`` ("is not a valid domain"); resolv.conf(5) (ndots: a name with at least ndots dots
is tried as given first, otherwise the search domains first). Docker 25 and later write the same lines with
comments around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .flags import CommandError, DockerRefusal
from .model import DockerContainer
from quizapp.words import say

EMBEDDED_DNS = "127.0.0.11"
_DOMAIN = re.compile(r"^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))*)\.?\s*$")


def check_search(values: list[str]) -> list[str]:
    """``--dns-search`` values as the docker CLI validates them (a trailing dot dropped; ``.`` means none)."""
    out = []
    for raw in values:
        val = raw.strip(" ")
        if val == ".":
            out.append(val)
            continue
        m = _DOMAIN.match(val)
        if not re.search(r"[a-zA-Z]", val) or m is None or len(m.group(1)) >= 255:
            raise DockerRefusal(say('invalid argument "{raw}" for "--dns-search" flag: {raw} is not a valid domain', raw=raw))
        out.append(m.group(1))
    return out


def user_ndots(options: list[str]) -> int | None:
    """The ndots the user set with ``--dns-option``, or None. An ndots option rebuildDNS cannot read is refused
    as not modelled: Docker 20.10 only logs the error and starts the container without its embedded DNS."""
    found = None
    for opt in options:
        if "ndots" in opt:
            parts = opt.split(":")
            if len(parts) != 2 or not parts[1].isdigit():
                raise CommandError(say("docker run: --dns-option {opt} is not modelled by the simulator (moby's rebuildDNS cannot read this ndots and Docker then starts the container without its embedded DNS); write ndots:N", opt=opt))
            found = int(parts[1]) if found is None else found
    return found


def uses_embedded_dns(c: DockerContainer) -> bool:
    owner = c.ns_owner
    return owner.mode == "bridge" and any(a.network.user_defined for a in owner.attachments)


@dataclass
class ResolvConf:
    """What the simulator knows of a container's resolv.conf; None: taken from the host's file (unknown)."""
    nameservers: list[str] | None
    search: list[str] | None
    options: list[str] | None
    ndots_set: bool  # the user's ndots (the embedded DNS then forwards no unknown single-label name)

    def lines(self) -> list[str] | None:
        if self.nameservers is None:
            return None
        out = []
        if self.search and " ".join(self.search).strip(" ") != ".":
            out.append("search " + " ".join(self.search))
        out += [f"nameserver {ip}" for ip in self.nameservers]
        if self.options:
            out.append("options " + " ".join(self.options))
        return out

    @property
    def domains(self) -> list[str]:
        """The search domains the resolver appends (the host's, unknown, count as none)."""
        return [d for d in self.search or [] if d != "."]

    @property
    def ndots(self) -> int:
        for opt in reversed(self.options or []):
            if opt.startswith("ndots:") and opt[6:].isdigit():
                return int(opt[6:])
        return 1  # resolv.conf(5)'s default


def resolv(c: DockerContainer) -> ResolvConf:
    owner = c.ns_owner  # container: mode shares the files of the namespace's owner
    given = bool(owner.dns_servers or owner.dns_search or owner.dns_options)
    servers = owner.dns_servers or None
    search = owner.dns_search or None
    options = list(owner.dns_options) or None
    ndots = user_ndots(owner.dns_options) if uses_embedded_dns(owner) else None
    if uses_embedded_dns(owner):
        options = (options or []) + ([] if ndots is not None else ["ndots:0"])
        return ResolvConf([EMBEDDED_DNS], search, options, ndots is not None)
    if not given:
        return ResolvConf(None, None, None, False)
    return ResolvConf(servers, search, options, False)


def resolv_conf(c: DockerContainer) -> list[str] | None:
    """The search, nameserver and options lines of ``c``'s /etc/resolv.conf; None when its nameservers are the
    host's (the simulator does not know the host's file)."""
    return resolv(c).lines()


def own_names(c: DockerContainer) -> list[str]:
    """The names of the container's own line in its /etc/hosts: the FQDN (``-h`` plus ``--domainname``) and, when
    that has a dot, the part before it (what ``hostname -f`` and ``hostname`` then print)."""
    fqdn = c.hostname + (f".{c.domainname}" if c.domainname else "")
    names = [fqdn]
    if "." in fqdn:
        names.append(fqdn.split(".", 1)[0])
    return names


def candidates(rc: ResolvConf, name: str) -> list[str]:
    """The names the container's resolver asks, in order (resolv.conf(5): as given first when the name has at
    least ndots dots, else the search domains first)."""
    searched = [f"{name}.{d}" for d in rc.domains]
    if name.count(".") >= rc.ndots:
        return [name, *searched]
    return [*searched, name]
