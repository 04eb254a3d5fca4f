"""Uploads are compiled in a bounded child process (issue #13, item 2): a compile that runs away in time or
memory ends as one problem on the upload, and the web worker is neither held nor grown."""
from __future__ import annotations

import resource
import time

from quizapp.content.problems import Problem
from quizapp.packs import publishing
from quizapp.packs.uploads import read_upload
from quizapp.sandbox import Limits
from tests.instructor.helpers import make_zip, pack_files


def test_a_normal_upload_compiles_in_the_sandbox_like_in_process():
    uploaded = read_upload([("p.zip", make_zip(pack_files()))])
    sandboxed = publishing.compile_upload(uploaded)
    direct = publishing._compile(uploaded)
    assert sandboxed.ok and sandboxed.bank == direct.bank


def test_a_runaway_compile_is_one_problem_and_the_worker_is_not_grown(monkeypatch):
    def explode(_uploaded):
        hog = []
        while True:
            hog.append(bytearray(16 * 1024 * 1024))

    def spin(_uploaded):
        while True:
            pass

    uploaded = read_upload([("p.zip", make_zip(pack_files()))])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for runaway, words in ((explode, "MB of memory"), (spin, "s of computing")):
        monkeypatch.setattr(publishing, "_compile", runaway)
        started = time.monotonic()
        result = publishing.compile_upload(uploaded, Limits(cpu_seconds=1, memory_mb=128, wall_seconds=5))
        assert time.monotonic() - started < 6
        assert not result.ok and isinstance(result.problems[0], Problem) and words in result.problems[0].message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024  # KiB: the child grew, not us
