"""Helpers for the tests of the pure layers' catalogues (quizapp/words.py): what `say()` marks, what is translated."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "quizapp" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"


def said_in(package: Path) -> list[tuple[str, str]]:
    """(path:line, message id) of every `say("...")` in `package`, as `pybabel extract -k say` finds them."""
    found = []
    for filename, line, message, _comments, _context in extract_from_dir(
            str(package), keywords={"say": None}, comment_tags=()):
        found.append((f"{package.relative_to(ROOT)}/{filename}:{line}", message))
    return found


class Catalogue:
    """The zh-CN catalogue of one domain: msgid -> msgstr of every translated, non-fuzzy entry."""

    def __init__(self, domain: str):
        self.po = LOCALE_DIR / f"{domain}.po"
        self.mo = self.po.with_suffix(".mo")
        with self.po.open("rb") as handle:
            entries = read_po(handle, locale="zh_Hans_CN")
        self.entries = {m.id: m.string for m in entries if m.id and m.string and not m.fuzzy}

    def translated(self, msgid: str) -> bool:
        return msgid in self.entries
