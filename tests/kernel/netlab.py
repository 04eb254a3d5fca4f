"""Build a :class:`quizapp.sim.rules.Topology` for real in network namespaces and open real connections.

Every namespace is named ``<prefix>-<n>`` with a per-lab random prefix; nothing is created in, or changed
in, the root namespace: veth pairs are created from inside a lab namespace (``ip -n A link add ... peer
... netns B``), rules are loaded with ``ip netns exec NS iptables-restore --noflush``. Listeners are
``socat`` processes started in their own session (``setsid``) inside the namespace; :meth:`Lab.close` kills
each recorded process group by PID and deletes every namespace it made, whatever happened before.

Listeners answer with their identity so the test knows which one the kernel picked:
``ID=<kind>/<name> SA=<local address> SP=<local port> PA=<peer address>`` (socat's ``$SOCAT_SOCKADDR``,
``$SOCAT_SOCKPORT``, ``$SOCAT_PEERADDR``; UDP listeners report their configured port and no local address).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

from quizapp.sim.rules import Topology

CMD_TIMEOUT = 15  # any single ip/iptables/sysctl command
CONNECT_TIMEOUT = 4  # TCP connect timeout: longer than a failed ARP resolution (3 probes, 1 s apart)
IDLE_TIMEOUT = 2  # socat -T: inactivity timeout once connected (UDP: wait for an answer)
CLIENT_WALL = 10  # hard bound for one client run
TOOLS = ("ip", "bridge", "iptables", "iptables-restore", "socat", "setsid")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


class LabError(RuntimeError):
    pass


def run(args: list[str], check: bool = True, input: str | None = None, timeout: float = CMD_TIMEOUT) -> subprocess.CompletedProcess:
    try:
        p = subprocess.run(args, input=input, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout}s: {' '.join(args)}") from exc
    if check and p.returncode != 0:
        raise LabError(f"failed ({p.returncode}): {' '.join(args)}\n{p.stderr.strip()}")
    return p


def netns_usable() -> str | None:
    """None if this process can create a network namespace with a bridge and nat rules, else why not."""
    if os.geteuid() != 0:
        return "the kernel tests need root (network namespaces, veth pairs, iptables)"
    miss = missing_tools()
    if miss:
        return f"missing tools: {', '.join(miss)} (apt-get install -y iproute2 iptables socat)"
    name = f"qzprobe-{secrets.token_hex(3)}"
    try:
        run(["ip", "netns", "add", name])
        try:
            run(["ip", "-n", name, "link", "add", "br0", "type", "bridge"])
            run(["ip", "netns", "exec", name, "iptables-restore", "--noflush"],
                input="*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -m statistic --mode random --probability 0.5 -j RETURN\nCOMMIT\n")
        finally:
            run(["ip", "netns", "del", name], check=False)
    except LabError as exc:
        return f"cannot build a network namespace lab here: {exc}"
    return None


@dataclass
class Outcome:
    """What the kernel did with one connection."""

    reason: str | None  # None (delivered), refused, timeout, unreachable, closed, or "other: ..." (unexpected)
    identity: str | None = None  # kind/name of the listener that answered
    local_ip: str | None = None
    local_port: int | None = None
    peer: str | None = None
    detail: str = ""

    @property
    def delivered(self) -> bool:
        return self.reason is None


_ANSWER = re.compile(r"ID=(\S+) SA=(\S*) SP=(\S*) PA=(\S*)")


class Lab:
    def __init__(self, topo: Topology, tag: str = "qz"):
        self.topo = topo
        self.prefix = f"{tag}{secrets.token_hex(3)}"
        self.names: dict[str, str] = {}  # logical -> real netns name
        self.created: list[str] = []
        self.pids: list[int] = []
        self._procs: list[subprocess.Popen] = []
        self._expect: list[tuple[str, int, str, str]] = []  # (namespace, port, proto, address) to wait for

    # -- helpers ------------------------------------------------------------------------------------
    def ns(self, logical: str) -> str:
        return self.names[logical]

    def _ip(self, logical: str, *args: str) -> None:
        run(["ip", "-n", self.ns(logical), *args])

    def _exec(self, logical: str, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return run(["ip", "netns", "exec", self.ns(logical), *args], input=input, check=check)

    # -- build --------------------------------------------------------------------------------------
    def build(self) -> Lab:
        topo = self.topo
        for i, space in enumerate(topo.namespaces):
            real = f"{self.prefix}-{i}"
            self.names[space.name] = real
            run(["ip", "netns", "add", real])
            self.created.append(real)
            self._ip(space.name, "link", "set", "lo", "up")
        for space in topo.namespaces:
            for key, value in space.sysctls.items():
                self._exec(space.name, "sysctl", "-q", "-w", f"{key}={value}")
        # devices in the order the topology lists them (a real machine's eth0 comes first: MASQUERADE out of
        # lo takes the first device's address); a veth pair is created once, from the end listed first
        done: set[tuple[str, str]] = set()
        for space in topo.namespaces:
            for itf in space.interfaces:
                if (space.name, itf.name) in done:
                    continue
                if itf.kind == "bridge":
                    self._ip(space.name, "link", "add", itf.name, "type", "bridge")
                elif itf.kind == "veth":
                    peer_ns, peer_if = itf.peer  # type: ignore[misc]
                    self._ip(space.name, "link", "add", itf.name, "type", "veth", "peer", "name", peer_if, "netns", self.ns(peer_ns))
                    done.add((peer_ns, peer_if))
                elif itf.kind == "vxlan":
                    v = itf.vxlan or {}
                    args = ["link", "add", itf.name]
                    if itf.mac:
                        args += ["address", itf.mac]
                    args += ["type", "vxlan", "id", str(v["id"]), "dstport", str(v["dstport"]), "local", v["local"], "dev", v["dev"]]
                    if not v.get("learning", True):
                        args.append("nolearning")
                    self._ip(space.name, *args)
                else:
                    raise LabError(f"unknown interface kind {itf.kind!r}")
                done.add((space.name, itf.name))
        for space in topo.namespaces:
            for itf in space.interfaces:
                if itf.mtu:
                    self._ip(space.name, "link", "set", itf.name, "mtu", str(itf.mtu))
                if itf.master:
                    self._ip(space.name, "link", "set", itf.name, "master", itf.master)
                for addr in itf.addresses:
                    self._ip(space.name, "addr", "add", addr, "dev", itf.name)
                self._ip(space.name, "link", "set", itf.name, "up")
            for itf in space.interfaces:
                if itf.master and itf.hairpin:
                    run(["bridge", "-n", self.ns(space.name), "link", "set", "dev", itf.name, "hairpin", "on"])
        for space in topo.namespaces:
            for r in space.routes:
                if r.type == "blackhole":
                    self._ip(space.name, "route", "add", "blackhole", r.dst)
                    continue
                args = ["route", "add", r.dst]
                if r.via:
                    args += ["via", r.via]
                if r.dev:
                    args += ["dev", r.dev]
                if r.onlink:
                    args.append("onlink")
                self._ip(space.name, *args)
            for n in space.neighbours:
                self._ip(space.name, "neigh", "add", n.ip, "lladdr", n.mac, "dev", n.dev, "nud", "permanent")
            for f in space.fdb:
                run(["bridge", "-n", self.ns(space.name), "fdb", "append", f.mac, "dev", f.dev, "dst", f.dst])
            if space.iptables:
                self._exec(space.name, "iptables-restore", "--noflush", input=space.iptables)
            if space.nftables:
                if shutil.which("nft") is None:
                    raise LabError("nft is missing (apt-get install -y nftables): kube-proxy's nftables mode needs it")
                self._exec(space.name, "nft", "-f", "-", input=space.nftables)
        for space in topo.namespaces:
            for lst in space.listeners:
                self._listen(space.name, lst.port, lst.proto, f"{lst.kind}/{lst.name}")
            for px in space.proxies:
                self._proxy(space.name, px.host_ip, px.host_port, px.proto, px.target_ip, px.target_port)
        self._wait_listening()
        return self

    def _spawn(self, logical: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        # a new session (setsid) so the listener and every child it forks share one process group
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(logical), *argv], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                             env={**os.environ, **(env or {})})
        self._procs.append(p)
        self.pids.append(p.pid)

    def _listen(self, logical: str, port: int, proto: str, identity: str) -> None:
        env = {"QZ_ID": identity, "QZ_PORT": str(port)}
        if proto == "tcp":
            reply = 'read -r _line; echo "ID=$QZ_ID SA=$SOCAT_SOCKADDR SP=$SOCAT_SOCKPORT PA=$SOCAT_PEERADDR"'
            self._spawn(logical, ["socat", f"TCP4-LISTEN:{port},reuseaddr,fork", f"SYSTEM:{reply}"], env)
        else:
            reply = 'read -r _line; echo "ID=$QZ_ID SA= SP=$QZ_PORT PA=$SOCAT_PEERADDR"'
            self._spawn(logical, ["socat", f"UDP4-RECVFROM:{port},reuseaddr,fork", f"SYSTEM:{reply}"], env)
        self._expect.append((logical, port, proto, "0.0.0.0"))

    def _proxy(self, logical: str, host_ip: str, host_port: int, proto: str, ip: str, port: int) -> None:
        """docker-proxy: listen on host_ip:host_port in the host namespace, open a new connection to the container."""
        if proto == "tcp":
            argv = ["socat", f"TCP4-LISTEN:{host_port},bind={host_ip},reuseaddr,fork", f"TCP4:{ip}:{port},connect-timeout={IDLE_TIMEOUT}"]
        else:
            argv = ["socat", "-T", str(IDLE_TIMEOUT), f"UDP4-RECVFROM:{host_port},bind={host_ip},reuseaddr,fork", f"UDP4-SENDTO:{ip}:{port}"]
        self._spawn(logical, argv)
        self._expect.append((logical, host_port, proto, host_ip))

    def _wait_listening(self, limit: float = 10.0) -> None:
        deadline = time.monotonic() + limit
        pending = list(self._expect)
        while pending and time.monotonic() < deadline:
            still = []
            for logical, port, proto, _ip in pending:
                flag = "-ltnH" if proto == "tcp" else "-lunH"
                out = self._exec(logical, "ss", flag, f"sport = :{port}", check=False).stdout
                if not out.strip():
                    still.append((logical, port, proto, _ip))
            pending = still
            if pending:
                time.sleep(0.05)
        dead = [p for p in self._procs if p.poll() is not None]
        if pending or dead:
            raise LabError(f"listeners not up: {pending}; exited: {[p.args for p in dead]}")

    # -- connections --------------------------------------------------------------------------------
    def connect(self, logical: str, ip: str, port: int, proto: str = "tcp") -> Outcome:
        """Open one real connection from namespace ``logical`` and classify what happened."""
        ns = self.ns(logical)
        if proto == "tcp":
            # the client speaks first, like a real one (an HTTP request): a peer closing without reading it
            # (docker-proxy when its own connection to the container fails) resets the connection
            argv = ["ip", "netns", "exec", ns, "socat", "-T", str(IDLE_TIMEOUT), "-t", str(IDLE_TIMEOUT), "-",
                    f"TCP4:{ip}:{port},connect-timeout={CONNECT_TIMEOUT}"]
            stdin = "ping\n"
        else:
            argv = ["ip", "netns", "exec", ns, "socat", "-T", str(IDLE_TIMEOUT), "-t", str(IDLE_TIMEOUT), "-",
                    f"UDP4:{ip}:{port}"]
            stdin = "ping\n"
        started = time.monotonic()
        try:
            p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=CLIENT_WALL, check=False)
            out, err = p.stdout, p.stderr
        except subprocess.TimeoutExpired as exc:
            return Outcome("timeout", detail=f"no answer within {CLIENT_WALL}s ({exc.stderr or ''})")
        m = _ANSWER.search(out)
        if m:
            ident, sa, sp, pa = m.groups()
            return Outcome(None, ident, sa or None, int(sp) if sp else None, pa or None, out.strip())
        text = err.lower()
        if "connection refused" in text or "connection reset by peer" in text:
            return Outcome("refused", detail=err.strip())
        if "network is unreachable" in text or "no route to host" in text:
            return Outcome("unreachable", detail=err.strip())
        if "timed out" in text or (proto == "udp" and not out.strip() and not text.strip()):
            return Outcome("timeout", detail=err.strip())
        if proto == "tcp" and p.returncode == 0 and not out.strip() and time.monotonic() - started < IDLE_TIMEOUT - 0.5:
            # connected, then closed by the peer before any answer (FIN): a userland proxy whose own
            # connection failed (docker-proxy closes the client's connection; RST or FIN depending on timing)
            return Outcome("closed", detail="accepted, then closed without an answer")
        return Outcome(f"other: rc={p.returncode} out={out.strip()!r} err={err.strip()!r}", detail=err.strip())

    # -- teardown -----------------------------------------------------------------------------------
    def close(self) -> None:
        for pid in self.pids:
            try:
                os.killpg(pid, signal.SIGKILL)  # the listener's own session/process group
            except ProcessLookupError:
                pass
        for p in self._procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
        for real in reversed(self.created):
            # any process still inside (none expected) would keep the namespace's devices alive
            pids = run(["ip", "netns", "pids", real], check=False).stdout.split()
            for pid in pids:
                if int(pid) in self.pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            run(["ip", "netns", "del", real], check=False)
        self.created.clear()
        self.pids.clear()
