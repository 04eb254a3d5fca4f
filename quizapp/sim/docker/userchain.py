"""``iptables -I DOCKER-USER ...`` lines in a DockerHost's commands: the chain Docker leaves to its users.

Docker's docs (engine/network/packet-filtering-firewalls/): dockerd creates ``DOCKER-USER`` (ending in
``-j RETURN``) and jumps to it first from ``FORWARD``, so its rules see every forwarded packet - published ports
after DNAT (the container's address and port: match the published port with ``-m conntrack --ctorigdstport``),
traffic between containers and from containers out - but nothing the host itself sends or receives (docker-proxy,
``--network host``). ``-I`` inserts before dockerd's RETURN; ``-A`` appends after it, where no packet arrives.

The modelled subset of iptables' syntax, each optionally negated with ``!``: ``-s``, ``-d`` (address or CIDR),
``-i``, ``-o`` (a ``+`` suffix matches a prefix), ``-p tcp|udp|all``, ``--dport N[:M]`` (with ``-p`` or ``-m
tcp|udp``), ``-m conntrack`` with ``--ctorigdst``, ``--ctorigdstport``, ``--ctstate``, ``-m comment --comment``;
targets ``-j DROP|ACCEPT|RETURN|REJECT`` (``--reject-with`` icmp-port-unreachable, tcp-reset,
icmp-host-unreachable, icmp-net-unreachable, icmp-admin-prohibited). Anything else is refused with its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.netutil import ip_int, network
from ..core.packet import Done
from .flags import CommandError
from quizapp.words import say

SUBSET = ("-s, -d, -i, -o, -p, --dport, -m conntrack --ctorigdst/--ctorigdstport/--ctstate, "
          "-j DROP/ACCEPT/RETURN/REJECT")
_LONG = {"--source": "-s", "--src": "-s", "--destination": "-d", "--dst": "-d", "--in-interface": "-i",
         "--out-interface": "-o", "--protocol": "-p", "--destination-port": "--dport", "--jump": "-j",
         "--insert": "-I", "--append": "-A", "--table": "-t", "--match": "-m"}
_MATCH_OPTS = {"-s", "-d", "-i", "-o", "-p", "--dport", "--ctorigdst", "--ctorigdstport", "--ctstate"}
_MODULES = {"tcp", "udp", "conntrack", "comment"}
REJECT_WITH = {"icmp-port-unreachable": "refused", "tcp-reset": "refused", "icmp-host-unreachable": "unreachable",
               "icmp-net-unreachable": "unreachable", "icmp-admin-prohibited": "unreachable"}


@dataclass
class View:
    """A forwarded packet as DOCKER-USER's matches see it (after DNAT; ``orig_*``: before)."""

    src: str
    dst: str
    in_if: str
    out_if: str
    proto: str
    dport: int
    orig_dst: str
    orig_dport: int
    state: str = "NEW"


@dataclass
class UserRule:
    matches: list[tuple[bool, str, str]] = field(default_factory=list)  # (negated, option, value)
    target: str = "RETURN"
    reject_with: str = "icmp-port-unreachable"
    text: str = "-j RETURN"  # as iptables -S prints it (the line's own spelling)
    docker: bool = False  # dockerd's own final RETURN

    def matches_view(self, v: View) -> bool:
        return all(_match(opt, value, v) != neg for neg, opt, value in self.matches)


def _in_net(ip: str, cidr: str) -> bool:
    net = network(cidr, strict=False)
    return (ip_int(ip) & int(net.netmask)) == int(net.network_address)


def _port_in(port: int, spec: str) -> bool:
    lo, _, hi = spec.partition(":")
    return int(lo) <= port <= int(hi or lo)


def _iface(name: str, pattern: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("+") else name == pattern


def _match(opt: str, value: str, v: View) -> bool:
    if opt == "-s":
        return _in_net(v.src, value)
    if opt == "-d":
        return _in_net(v.dst, value)
    if opt == "-i":
        return _iface(v.in_if, value)
    if opt == "-o":
        return _iface(v.out_if, value)
    if opt == "-p":
        return value == "all" or v.proto == value
    if opt == "--dport":
        return _port_in(v.dport, value)
    if opt == "--ctorigdst":
        return _in_net(v.orig_dst, value)
    if opt == "--ctorigdstport":
        return _port_in(v.orig_dport, value)
    if opt == "--ctstate":
        return v.state in value.split(",")
    raise AssertionError(opt)


def new_chain() -> list[UserRule]:
    return [UserRule(docker=True)]


def first_match(chain: list[UserRule], v: View) -> UserRule | None:
    for rule in chain:
        if rule.matches_view(v):
            return rule
    return None


def apply_iptables(chain: list[UserRule], args: list[str]) -> None:
    """Apply one ``iptables`` line (its arguments) to ``chain``, or refuse it naming the option."""
    args = [_LONG.get(a, a) for a in args]
    if args[:2] == ["-t", "filter"]:
        args = args[2:]
    elif args[:1] == ["-t"]:
        raise CommandError(say('iptables: table {table} is not modelled by the simulator (only filter DOCKER-USER); remove the line', table=args[1] if len(args) > 1 else '(none)'))
    if len(args) < 2 or args[0] not in ("-I", "-A"):
        raise CommandError(say('iptables: option {option} is not modelled by the simulator (only -I/-A DOCKER-USER with {subset}); remove the line', option=args[0] if args else '(none)', subset=SUBSET))
    verb, chain_name, rest = args[0], args[1], args[2:]
    if chain_name != "DOCKER-USER":
        raise CommandError(say('iptables: chain {chain_name} is not modelled by the simulator (only DOCKER-USER, the chain Docker leaves to users); remove the line', chain_name=chain_name))
    pos = 1
    if verb == "-I" and rest and rest[0].isdigit():
        pos, rest = int(rest[0]), rest[1:]
        if not 1 <= pos <= len(chain) + 1:
            raise CommandError(say('iptables: Index of insertion too big (rule {pos}; DOCKER-USER has {count} rules)', pos=pos, count=len(chain)))
    rule = parse_rule(rest)
    if verb == "-A":
        chain.append(rule)
    else:
        chain.insert(pos - 1, rule)


def parse_rule(rest: list[str]) -> UserRule:
    rule = UserRule(target="", text=" ".join(rest))
    modules: set[str] = set()
    neg = False
    i = 0
    while i < len(rest):
        opt = rest[i]
        if opt == "!":
            neg, i = True, i + 1
            continue
        value = rest[i + 1] if i + 1 < len(rest) else None
        if value is None:
            raise CommandError(say('iptables: option "{opt}" requires an argument', opt=opt))
        if opt == "-m":
            if value not in _MODULES:
                raise CommandError(say('iptables: option -m {value} is not modelled by the simulator (modelled: {subset}); remove the line', value=value, subset=SUBSET))
            modules.add(value)
        elif opt == "--comment" and "comment" in modules:
            pass
        elif opt in _MATCH_OPTS:
            _check_value(opt, value, modules, rule)
            rule.matches.append((neg, opt, value.lower() if opt == "-p" else value.upper() if opt == "--ctstate" else value))
        elif opt == "-j":
            if value not in ("DROP", "ACCEPT", "RETURN", "REJECT"):
                raise CommandError(say('iptables: target -j {value} is not modelled by the simulator (DROP, ACCEPT, RETURN, REJECT); remove the line', value=value))
            rule.target = value
        elif opt == "--reject-with" and rule.target == "REJECT":
            if value not in REJECT_WITH:
                raise CommandError(say('iptables: --reject-with {value} is not modelled ({reject_with})', value=value, reject_with=', '.join(REJECT_WITH)))
            rule.reject_with = value
        else:
            raise CommandError(say('iptables: option {opt} is not modelled by the simulator (modelled: {subset}); remove the line', opt=opt, subset=SUBSET))
        neg, i = False, i + 2
    if not rule.target:
        raise CommandError(say('iptables: a DOCKER-USER rule without -j does nothing the simulator models; give it -j DROP, ACCEPT, RETURN or REJECT'))
    return rule


def _check_value(opt: str, value: str, modules: set[str], rule: UserRule) -> None:
    protos = [v for n, o, v in rule.matches if o == "-p" and not n]
    if opt in ("-s", "-d", "--ctorigdst"):
        try:
            network(value, strict=False)
        except ValueError:
            raise CommandError(say("iptables: host/network `{value}' not found (the simulator takes an IPv4 address or CIDR for {opt})", value=value, opt=opt)) from None
    elif opt == "-p" and value.lower() not in ("tcp", "udp", "all"):
        raise CommandError(say('iptables: -p {value} is not modelled by the simulator (tcp, udp, all)', value=value))
    elif opt == "--dport" and not (modules & {"tcp", "udp"} or set(protos) & {"tcp", "udp"}):
        raise CommandError(say('iptables: unknown option "--dport" (iptables needs -p tcp or -p udp before it)'))
    elif opt.startswith("--ct") and "conntrack" not in modules:
        raise CommandError(say('iptables: unknown option "{opt}" (iptables needs -m conntrack before it)', opt=opt))
    if opt in ("--dport", "--ctorigdstport"):
        lo, _, hi = value.partition(":")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise CommandError(say("iptables: invalid port/service `{value}' specified", value=value))
    if opt == "--ctstate" and not set(value.upper().split(",")) <= {"NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"}:
        raise CommandError(say('iptables: bad ctstate "{value}"', value=value))


def effective_chain(host) -> list[UserRule]:
    """DOCKER-USER as the kernel walks it: dockerd's ``-j RETURN`` exists up to Docker 28; Docker 29 writes none
    (moby iptablesdoc generated/usernet-portmap.md), so rules appended after it are reached there."""
    if host.settings.isolation_chains:
        return host.user_chain
    return [r for r in host.user_chain if not r.docker]


class DockerUserSteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): ``FORWARD -j DOCKER-USER`` on a Docker host."""

    def _docker_user(self, host, pkt, in_if: str, out_if: str, orig: tuple[str, int]) -> bool:
        """The request's pass through DOCKER-USER: True when a rule ACCEPTs it (the rest of FORWARD, Docker's own
        rules included, is skipped); DROP ends in a timeout, REJECT in what its ICMP error (or RST) means."""
        if len(host.user_chain) == 1:  # only dockerd's RETURN
            return False
        v = View(pkt.src, pkt.dst, in_if, out_if, pkt.proto, pkt.dport, orig[0], orig[1])
        return self._user_verdict(host, first_match(effective_chain(host), v), pkt.src, "")

    def _docker_user_reply(self, host, pkt, in_if: str, out_if: str, orig: tuple[str, int]) -> bool:
        """The answer comes back through FORWARD (conntrack state ESTABLISHED, addresses swapped, DNAT not yet
        undone): True when a rule ACCEPTs it; DROP or REJECT there loses it (the client times out)."""
        if len(host.user_chain) == 1:
            return False
        v = View(pkt.dst, pkt.src, out_if, in_if, pkt.proto, 0, orig[0], orig[1], state="ESTABLISHED")
        rule = first_match(effective_chain(host), v)
        if rule is not None and rule.target in ("DROP", "REJECT"):
            self.hop(f"{host.ref} iptables filter FORWARD", say('DOCKER-USER: {text} matches the answer {dst} -> {src} (ESTABLISHED): it never reaches the client', text=rule.text, dst=pkt.dst, src=pkt.src))
            raise Done("timeout")
        return rule is not None and rule.target == "ACCEPT"

    def _user_verdict(self, host, rule: UserRule | None, client: str, what: str) -> bool:
        where = f"{host.ref} iptables filter FORWARD"
        if rule is None or rule.docker:
            if host.settings.isolation_chains:
                self.hop(where, say("DOCKER-USER: none of its rules matches; -j RETURN (dockerd's last rule)"))
            else:
                self.hop(where, say("DOCKER-USER: none of its rules matches; back to FORWARD (Docker 29 writes no RETURN: rules appended with -A count too)"))
            return False
        text = f"DOCKER-USER: {rule.text}"
        if rule.target == "RETURN":
            self.hop(where, say('{text} (back to FORWARD)', text=text))
            return False
        if rule.target == "ACCEPT":
            self.hop(where, say("{text} (accepted: the rest of FORWARD, Docker's own rules included, is skipped)", text=text))
            return True
        if rule.target == "DROP":
            self.hop(where, say('{text} (dropped silently)', text=text))
            raise Done("timeout")
        self.hop(where, say('{text} ({reject_with} back to {client})', text=text, reject_with=rule.reject_with, client=client))
        raise Done(REJECT_WITH[rule.reject_with])
