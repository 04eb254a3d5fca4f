"""Problems found in authored content, each pointing at a file and line.

A problem's message is English (``str(problem)`` is ``path:line: message``, as the CLI has always printed it);
a problem the compiler said as a message (:func:`quizapp.words.say`) also keeps the message id and parameters, so
``problem.render(language)`` prints it in the author's language from the ``compiler`` catalogue (docs/i18n.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from quizapp.words import Said, render, say


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    said: Said | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: str, line: int, message: str | Said) -> "Problem":
        return cls(path, line, str(message), message if isinstance(message, Said) else None)

    def text(self, language: str | None = None) -> str:
        """The message in `language` (English when None, or when it has no translation)."""
        return render(self.said, language, "compiler") if self.said is not None else self.message

    def render(self, language: str | None = None) -> str:
        return f"{self.path}:{self.line}: {self.text(language)}"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ProblemList:
    """Collects problems so that one run reports every one of them."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str, line: int, message: str | Said) -> None:
        self.items.append(Problem.of(path, max(int(line), 1), message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


def owned_pack(path: str, slug: str, owners: list[str]) -> Problem:
    """`quizapp content build` writes site packs only: pack id `slug` belongs to an instructor."""
    return Problem.of(path, 1, say("pack id '{slug}' belongs to an instructor ({owners}); choose another `pack:` id",
                                   slug=slug, owners=", ".join(owners)))
