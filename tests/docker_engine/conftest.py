"""One Docker Engine per test session (module scope would restart it per file); removed even on failure.

Needs root and Debian's ``docker.io`` and ``busybox-static`` (installed by ``.ci/run``). Without them the tier
skips with the reason, unless QUIZAPP_REQUIRE_ALL=1 (CI), where that is a failure (tests/requirements.py).
"""

from __future__ import annotations

import signal

import pytest

from tests.requirements import require

from .engine import Engine, why_unusable


def _interrupt(signum, frame):  # pragma: no cover - only when the run is killed
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def engine(request):
    why = why_unusable()
    require(why is None, why or "")
    eng = Engine()
    request.addfinalizer(eng.close)  # registered before starting: a half-started engine is removed too
    # a run stopped with SIGTERM (timeout(1), CI cancelling) still tears the daemon down: pytest runs the
    # finalizers on KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, _interrupt)
    request.addfinalizer(lambda: signal.signal(signal.SIGTERM, previous))
    eng.start()
    return eng
