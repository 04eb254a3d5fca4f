"""`require(condition, reason)`: skip a test whose environment is missing, unless QUIZAPP_REQUIRE_ALL=1
(CI sets it), in which case the missing piece is a failure: nothing may silently skip in CI."""
from __future__ import annotations

import os

import pytest


def required_everywhere() -> bool:
    return os.environ.get("QUIZAPP_REQUIRE_ALL") == "1"


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if required_everywhere():
        pytest.fail(f"QUIZAPP_REQUIRE_ALL=1 and a requirement is missing: {reason}", pytrace=False)
    pytest.skip(reason)
