"""A real Docker Engine (Debian's docker.io) in a network namespace of its own, as the simulator's judge.

``dockerd`` runs inside a namespace this harness creates, with its own data root, exec root, socket and
containerd namespace (it never touches the machine's own namespace or firewall). A second namespace plays the
LAN client, joined to the engine's namespace by a veth pair. The image is built locally from the static busybox
(no registry is reachable): ``serve NAME PORT...`` starts one busybox ``httpd`` per port whose CGI answers
``ID=NAME SP=PORT PA=<peer address>``, so a client learns who answered and which source address was seen.

Clients: the LAN namespace (``external:192.168.1.77``), the engine's namespace (``host/...``) and containers
(``docker exec``), all with busybox ``nc -w``. Every wait is bounded; :meth:`Engine.close` removes the
containers, the networks, the daemon, the namespaces and the data root whatever happened before.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOCKER = "/usr/bin/docker"  # Debian's client, matching Debian's daemon (a newer client may sit in /usr/local/bin)
DOCKERD = "/usr/sbin/dockerd"
BUSYBOX = "/bin/busybox"
IMAGE = "quizapp-engine-test:1"
HOST_IP = "192.168.1.50"
CLIENT_IP = "192.168.1.77"
CMD_TIMEOUT = 40
START_TIMEOUT = 40
CONNECT_WAIT = 5  # nc -w: longer than a failed ARP resolution (3 probes, 1 s apart)
CLIENT_WALL = 15

SERVE = r"""#!/bin/sh
# serve NAME PORT...: an HTTP server per port; its CGI reports who answered and the peer address it saw
name=$1; shift
for p in "$@"; do
  mkdir -p /tmp/w$p/cgi-bin
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "ID=%s SP=%s PA=$REMOTE_ADDR"\n' "$name" "$p" > /tmp/w$p/cgi-bin/id
  chmod +x /tmp/w$p/cgi-bin/id
  httpd -p "$p" -h /tmp/w$p
done
# PID 1 ignores a signal it has no handler for: without the trap `docker stop` waited its 10 s for SIGKILL
trap 'exit 0' TERM INT
sleep 1000000 &
wait
"""
REQUEST = r"printf 'GET /cgi-bin/id HTTP/1.0\r\n\r\n'"
_ANSWER = re.compile(r"ID=(\S+) SP=(\d+) PA=\[?(?:::ffff:)?([0-9.]+)\]?")


def why_unusable() -> str | None:
    """None if a Docker Engine can run here, else why not."""
    if os.geteuid() != 0:
        return "the Docker Engine tier needs root (network namespaces, dockerd)"
    missing = [p for p in (DOCKER, DOCKERD, BUSYBOX) if not os.path.exists(p)]
    missing += [t for t in ("ip", "iptables") if shutil.which(t) is None]
    if missing:
        return f"missing: {', '.join(missing)} (apt-get install -y docker.io busybox-static, see .ci/run)"
    return None


class EngineError(RuntimeError):
    pass


def run(args: list[str], check: bool = True, timeout: float = CMD_TIMEOUT, env: dict | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, env=env, input=input)
    except subprocess.TimeoutExpired as exc:
        raise EngineError(f"timed out after {timeout}s: {shlex.join(args)}") from exc
    if check and p.returncode != 0:
        raise EngineError(f"failed ({p.returncode}): {shlex.join(args)}\n{p.stderr.strip()}")
    return p


@dataclass
class Outcome:
    """What really happened to one connection."""

    reason: str | None  # None (delivered), refused, closed, timeout, unreachable, nxdomain or "other: ..."
    name: str | None = None
    port: int | None = None
    peer: str | None = None
    detail: str = ""


class Engine:
    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.root = Path(tempfile.mkdtemp(prefix=f"qzde-{tag}-"))
        self.host_ns = f"qzde-{tag}-host"
        self.lan_ns = f"qzde-{tag}-lan"
        self.namespaces: list[str] = []
        self.proc: subprocess.Popen | None = None
        self.env = {**os.environ, "DOCKER_HOST": f"unix://{self.root}/docker.sock"}
        self.env.pop("DOCKER_CONTEXT", None)
        self.version = ""
        self.daemon: dict = {}  # the daemon.json dockerd runs with
        self.lan_routes: list[str] = []

    # -- life cycle -----------------------------------------------------------------------------------
    def start(self) -> "Engine":
        for ns in (self.host_ns, self.lan_ns):
            run(["ip", "netns", "add", ns])
            self.namespaces.append(ns)
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "-n", self.host_ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", self.lan_ns])
        run(["ip", "-n", self.host_ns, "addr", "add", f"{HOST_IP}/24", "dev", "eth0"])
        run(["ip", "-n", self.lan_ns, "addr", "add", f"{CLIENT_IP}/24", "dev", "eth0"])
        run(["ip", "-n", self.host_ns, "link", "set", "eth0", "up"])
        run(["ip", "-n", self.lan_ns, "link", "set", "eth0", "up"])
        self._start_daemon()
        self.version = self.docker("version", "-f", "{{.Server.Version}}").stdout.strip()
        self._import_image()
        return self

    def _start_daemon(self) -> None:
        """dockerd with ``self.daemon`` as its daemon.json (spelled as a DockerHost's ``spec.daemon``)."""
        r = self.root
        (r / "daemon.json").write_text(json.dumps(self.daemon))
        # `ip netns exec` gives dockerd a private mount namespace: mount the cgroup2 hierarchy there
        daemon = (f"mount -t cgroup2 none /sys/fs/cgroup && exec {DOCKERD} --data-root {r}/data --exec-root {r}/exec "
                  f"-H unix://{r}/docker.sock --pidfile {r}/dockerd.pid --containerd-namespace qzde "
                  f"--containerd-plugins-namespace qzde-plugins --config-file {r}/daemon.json")
        log = open(r / "dockerd.log", "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.host_ns, "sh", "-c", daemon], stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while "API listen on" not in (r / "dockerd.log").read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise EngineError("dockerd did not start:\n" + (r / "dockerd.log").read_text(errors="replace")[-3000:])
            time.sleep(0.2)

    def configure(self, daemon: dict) -> None:
        """Restart dockerd with another daemon.json (only when it differs): the firewall is emptied first, so
        the new daemon writes every rule from its own settings."""
        if daemon == self.daemon:
            return
        self.reset()
        self._stop_daemon()
        for table in ("nat", "filter"):
            run(["ip", "netns", "exec", self.host_ns, "iptables", "-t", table, "-F"])
            run(["ip", "netns", "exec", self.host_ns, "iptables", "-t", table, "-X"])
        run(["ip", "-n", self.host_ns, "link", "del", "docker0"], check=False)
        self.daemon = dict(daemon)
        self._start_daemon()

    def _import_image(self) -> None:
        r = self.root
        rootfs = r / "rootfs"
        (rootfs / "bin").mkdir(parents=True)
        (rootfs / "tmp").mkdir()
        shutil.copy(BUSYBOX, rootfs / "bin" / "busybox")
        for applet in ("sh", "httpd", "nc", "sleep", "mkdir", "chmod", "printf", "cat", "ip", "echo", "nslookup", "hostname"):
            (rootfs / "bin" / applet).symlink_to("busybox")
        (rootfs / "bin" / "serve").write_text(SERVE)
        (rootfs / "bin" / "serve").chmod(0o755)
        tar = subprocess.run(["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True, timeout=CMD_TIMEOUT)
        p = subprocess.run([DOCKER, "import", "-", IMAGE], input=tar.stdout, capture_output=True, env=self.env,
                           timeout=CMD_TIMEOUT, check=False)
        if p.returncode != 0:
            raise EngineError(f"docker import failed: {p.stderr.decode(errors='replace')}")

    def close(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.reset()
        except EngineError:
            pass
        self._stop_daemon()
        for ns in reversed(self.namespaces):
            # whatever dockerd left inside (containerd, shims, proxies): processes this tier started
            for left in run(["ip", "netns", "pids", ns], check=False).stdout.split():
                _signal(int(left), signal.SIGKILL)
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def _running(self, pid: int) -> bool:
        """Whether dockerd still runs. It is our own child: poll() reaps it (kill(pid, 0) alone would see the exited,
        unreaped process as alive and wait out the whole deadline)."""
        if self.proc is not None and self.proc.pid == pid:
            return self.proc.poll() is None
        return _alive(pid)

    def _stop_daemon(self) -> None:
        pidfile = self.root / "dockerd.pid"
        pid = int(pidfile.read_text()) if pidfile.exists() else (self.proc.pid if self.proc else None)
        if pid:
            _signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            while self._running(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            _signal(pid, signal.SIGKILL)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                _signal(self.proc.pid, signal.SIGKILL)
        self.proc = None
        pidfile.unlink(missing_ok=True)  # a stale pid must never be signalled later

    def reset(self) -> None:
        """Remove every container and user-defined network (between scenarios)."""
        ids = self.docker("ps", "-aq").stdout.split()
        if ids:
            self.docker("rm", "-f", *ids)
        self.docker("network", "prune", "-f")
        if self.proc is not None:  # DOCKER-USER back to what dockerd wrote: only its RETURN
            self.iptables("-F", "DOCKER-USER")
            self.iptables("-A", "DOCKER-USER", "-j", "RETURN")
        while self.lan_routes:
            run(["ip", "-n", self.lan_ns, "route", "del", self.lan_routes.pop(), "via", HOST_IP], check=False)

    def iptables(self, *args: str) -> None:
        run(["ip", "netns", "exec", self.host_ns, "iptables", "-w", "5", *args])

    def add_lan_route(self, subnet: str) -> None:
        """A static route on the LAN client to a bridge subnet via the Docker host (removed by :meth:`reset`)."""
        run(["ip", "-n", self.lan_ns, "route", "replace", subnet, "via", HOST_IP])
        self.lan_routes.append(subnet)

    # -- commands ---------------------------------------------------------------------------------------
    def docker(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run([DOCKER, *args], check=check, env=self.env)

    def inspect_containers(self) -> dict[str, dict]:
        ids = self.docker("ps", "-aq").stdout.split()
        if not ids:
            return {}
        data = json.loads(self.docker("inspect", *ids).stdout)
        return {c["Name"].lstrip("/"): c for c in data}

    def inspect_networks(self) -> dict[str, dict]:
        names = self.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
        data = json.loads(self.docker("network", "inspect", *names).stdout)
        return {n["Name"]: n for n in data}

    def bridge_address(self, net: dict) -> str:
        """The address of a bridge network's Linux bridge (the default bridge's IPAM shows no gateway)."""
        dev = (net.get("Options") or {}).get("com.docker.network.bridge.name") or f"br-{net['Id'][:12]}"
        out = run(["ip", "-n", self.host_ns, "-4", "-o", "addr", "show", "dev", dev]).stdout
        return out.split("inet ", 1)[1].split("/", 1)[0]

    def wait_listening(self, container: str, ports: list[int], limit: float = 15.0) -> None:
        deadline = time.monotonic() + limit
        for port in ports:
            while True:
                p = self.docker("exec", container, "sh", "-c", f"{REQUEST} | nc -w 1 127.0.0.1 {port}", check=False)
                if "ID=" in p.stdout:
                    break
                if time.monotonic() > deadline:
                    raise EngineError(f"{container} does not answer on {port}: {p.stdout!r} {p.stderr!r}")
                time.sleep(0.1)

    def nslookup(self, container: str, name: str) -> list[str]:
        """The addresses busybox nslookup gets for ``name`` in ``container`` (DNS only, not /etc/hosts)."""
        out = self.docker("exec", container, "nslookup", name, check=False).stdout
        answer = out.split("Name:", 1)[1] if "Name:" in out else ""
        return re.findall(r"^Address:\s*([0-9.]+)\s*$", answer, re.M)

    def connect(self, source: str, address: str, port: int) -> Outcome:
        """One real TCP connection (an HTTP request) from ``source``: ``external``, ``host`` or ``container/NAME``."""
        script = f"{REQUEST} | nc -w {CONNECT_WAIT} {shlex.quote(address)} {port}"
        if source == "external":
            argv = ["ip", "netns", "exec", self.lan_ns, BUSYBOX, "sh", "-c", script.replace("nc ", f"{BUSYBOX} nc ")]
        elif source == "host":
            argv = ["ip", "netns", "exec", self.host_ns, BUSYBOX, "sh", "-c", script.replace("nc ", f"{BUSYBOX} nc ")]
        else:
            argv = [DOCKER, "exec", source.split("/", 1)[1], "sh", "-c", script]
        started = time.monotonic()
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=CLIENT_WALL, env=self.env, check=False)
        except subprocess.TimeoutExpired:
            return Outcome("timeout", detail=f"no answer within {CLIENT_WALL}s")
        m = _ANSWER.search(p.stdout)
        if m:
            return Outcome(None, m[1], int(m[2]), m[3], p.stdout.strip())
        err = p.stderr.lower()
        if "connection refused" in err or "connection reset" in err:
            return Outcome("refused", detail=p.stderr.strip())
        if "network is unreachable" in err or "no route to host" in err:
            return Outcome("unreachable", detail=p.stderr.strip())
        if "bad address" in err:
            return Outcome("nxdomain", detail=p.stderr.strip())
        if "timed out" in err:
            return Outcome("timeout", detail=p.stderr.strip())
        if p.returncode == 0 and not p.stdout.strip() and time.monotonic() - started < CONNECT_WAIT - 0.5:
            # accepted, then closed without an answer: docker-proxy whose own connection was refused
            return Outcome("closed", detail="accepted, then closed without an answer")
        return Outcome(f"other: rc={p.returncode} out={p.stdout.strip()!r} err={p.stderr.strip()!r}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
