"""Problems found in authored content, each pointing at a file and line."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ProblemList:
    """Collects problems so that one run reports every one of them."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, max(int(line), 1), message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)
