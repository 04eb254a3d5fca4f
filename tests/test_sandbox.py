"""The sandbox: results and exceptions come back; time and memory bounds end the child, not the caller."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from quizapp.lab.tracing import LabInputError
from quizapp.sandbox import Limits, SandboxError, SandboxLimitExceeded, run_sandboxed


def _pid_and(value):
    return os.getpid(), value


def _spin():
    while True:
        pass


def _sleep():
    time.sleep(30)


def _hog():
    blocks = []
    while True:
        blocks.append(bytearray(32 * 1024 * 1024))


def _raise_lab_error():
    raise LabInputError([(3, "document 1, spec.ports[0].port: must be 1-65535")])


def _unpicklable():
    return lambda: None


def _exit_hard():
    os._exit(7)


def test_result_comes_back_from_another_process():
    pid, value = run_sandboxed(_pid_and, {"a": [1, 2]})
    assert value == {"a": [1, 2]}
    assert pid != os.getpid()


def test_exceptions_cross_with_their_fields():
    with pytest.raises(LabInputError) as caught:
        run_sandboxed(_raise_lab_error)
    assert caught.value.problems == [(3, "document 1, spec.ports[0].port: must be 1-65535")]


def test_cpu_bound_ends_a_spinning_child():
    started = time.monotonic()
    with pytest.raises(SandboxLimitExceeded) as caught:
        run_sandboxed(_spin, limits=Limits(cpu_seconds=1, wall_seconds=120))
    assert caught.value.kind == "time"
    assert "takes longer than the lab allows" in str(caught.value)
    assert time.monotonic() - started < 120  # the CPU bound ended it (a busy machine stretches 1 s of CPU)


def test_wall_clock_bound_ends_a_sleeping_child():
    started = time.monotonic()
    with pytest.raises(SandboxLimitExceeded) as caught:
        run_sandboxed(_sleep, limits=Limits(wall_seconds=0.5))
    assert caught.value.kind == "time"
    assert time.monotonic() - started < 5


def test_memory_bound_refuses_a_hog():
    with pytest.raises(SandboxLimitExceeded) as caught:
        run_sandboxed(_hog, limits=Limits(memory_mb=128, wall_seconds=20))
    assert caught.value.kind == "memory"
    assert "128 MB" in str(caught.value)


def test_unpicklable_result_is_a_sandbox_error():
    with pytest.raises(SandboxError, match="PicklingError|AttributeError"):
        run_sandboxed(_unpicklable)


def test_a_child_that_dies_is_a_sandbox_error():
    with pytest.raises(SandboxError, match="without an answer"):
        run_sandboxed(_exit_hard)


def _children() -> set[int]:
    """This process's child processes (any state, zombies included), from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            children.add(int(stat.parent.name))
    return children


def test_no_child_is_left_behind():
    before = _children()  # other tests' servers may still be children of this process
    with pytest.raises(SandboxLimitExceeded):
        run_sandboxed(_sleep, limits=Limits(wall_seconds=0.2))
    run_sandboxed(_pid_and, 1)
    assert _children() <= before  # killed or finished, and reaped: not even a zombie
