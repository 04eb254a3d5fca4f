"""Run a pure function in a child process with a CPU-time, memory and wall-clock bound.

For work on input from the web (a learner's scenario, an uploaded pack) that could take too long or eat the
server's memory: the work runs in a child process, so a runaway input costs that child, never the web worker.

    from quizapp.sandbox import Limits, SandboxLimitExceeded, run_sandboxed
    try:
        result = run_sandboxed(trace_scenario, text, "external", "192.168.1.11:30080", limits=Limits())
    except SandboxLimitExceeded as error:
        flash(str(error))            # learner-readable: what was exceeded and what to do

The function's result must be picklable (it comes back through a pipe). An exception it raises is raised again
in the caller if it pickles faithfully (give exceptions with extra fields a ``__reduce__``, as
quizapp.lab.tracing.LabInputError does); if it cannot be pickled, a `SandboxError` carries its text.

Each call forks the calling process (os.fork: about a millisecond, copy-on-write, the simulator already
imported). The child only computes: it never touches the database, sockets or locks of the web worker, restores
default signal handlers, writes its pickled answer to a pipe and leaves with os._exit (no atexit handlers, no
finalizers that could talk to a connection it shares with the parent). Limits are set in the child:
RLIMIT_CPU (SIGXCPU ends it) and RLIMIT_AS (allocation fails: MemoryError) on top of what it has already used,
RLIMIT_CORE 0; the parent kills it when the wall-clock bound passes. If the web worker itself is killed, the
child still ends within its CPU bound. (A multiprocessing fork server was tried first: its children re-run the
main script of the server process, which gunicorn's and the CLI's entry points do not expect.)
"""
from __future__ import annotations

import os
import pickle
import resource
import selectors
import signal
import time
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 2  # CPU time of the child (whole seconds: RLIMIT_CPU's unit)
    memory_mb: int = 256  # address space the child may add to what it has at start
    wall_seconds: float = 5.0  # the caller waits no longer than this


class SandboxError(RuntimeError):
    """The sandboxed call failed in a way that is not the function's own exception."""


class SandboxLimitExceeded(SandboxError):
    """The work took more time or memory than allowed. ``str()`` is meant for the learner; ``kind`` is
    ``time`` or ``memory``."""

    def __init__(self, kind: str, limits: Limits):
        self.kind = kind
        self.limits = limits
        if kind == "memory":
            text = (f"This needs more than {limits.memory_mb} MB of memory, more than the lab allows. "
                    "Make it smaller (fewer nodes, Pods, replicas or containers) and try again.")
        else:
            text = (f"This takes longer than the lab allows ({limits.cpu_seconds} s of computing, "
                    f"{limits.wall_seconds:g} s in all). Make it smaller (fewer nodes, Pods, replicas or "
                    "containers) and try again.")
        super().__init__(text)


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(write_fd: int, limits: Limits, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                   signal.SIGCHLD, signal.SIGWINCH, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(signum, signal.SIG_DFL)  # a gunicorn worker's handlers are not the child's
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    used = int(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]))
    cpu = used + max(1, int(limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = _vm_size_bytes() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        outcome: tuple[str, Any] = ("ok", func(*args, **kwargs))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the caller
        outcome = ("raise", error)
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    except Exception as error:  # noqa: BLE001 - an unpicklable result or exception
        data = pickle.dumps(("raise", SandboxError(f"{type(error).__name__}: {error}")))
    with os.fdopen(write_fd, "wb") as pipe:
        pipe.write(data)


def _read_all(read_fd: int, deadline: float) -> bytes | None:
    """Everything the child writes, or None when the deadline passes first."""
    chunks = []
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def run_sandboxed(func: Callable[..., Any], *args: Any, limits: Limits | None = None, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` in a bounded child process; its result, or its exception raised here.

    Raises SandboxLimitExceeded when the time or memory bound is passed, SandboxError when the child dies
    otherwise. Never leaves the child behind.
    """
    limits = limits or Limits()
    deadline = time.monotonic() + limits.wall_seconds
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(read_fd)
            _child(write_fd, limits, func, args, kwargs)
        except BaseException:  # noqa: BLE001 - nothing may escape into the web worker's code
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        data = _read_all(read_fd, deadline)
    finally:
        os.close(read_fd)
        if data is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if data is None:
        raise SandboxLimitExceeded("time", limits)
    if not data:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            raise SandboxLimitExceeded("time", limits)
        raise SandboxError(f"the sandboxed work ended without an answer (status {status})")
    kind, value = pickle.loads(data)
    if kind == "memory":
        raise SandboxLimitExceeded("memory", limits)
    if kind == "raise":
        raise value
    return value
