"""Helpers for the tests of the pure layers' catalogues (quizapp/words.py): what `say()` marks, what is translated."""
from __future__ import annotations

import ast
import string
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "quizapp" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"


def is_plain_text(node: ast.AST) -> bool:
    """A literal text (a str constant or an f-string) where a message (`say(...)`) belongs."""
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _fields(text: str) -> list[str]:
    return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field)


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

    def parameter_mismatches(self) -> list[str]:
        """msgids whose translation drops, adds or renames a {parameter}, or does not render with them."""
        wrong = []
        for msgid, msgstr in self.entries.items():
            fields = _fields(msgid)
            try:
                msgstr.format(**{name.split("!")[0].split(":")[0]: 1 for name in fields})
            except (KeyError, IndexError, ValueError):
                wrong.append(msgid)
                continue
            if _fields(msgstr) != fields:
                wrong.append(msgid)
        return wrong

    def compiled_is_current(self) -> bool:
        """Whether the .mo holds exactly the .po's translated entries (`pybabel compile` ran after the last edit)."""
        with self.mo.open("rb") as handle:
            return {m.id: m.string for m in read_mo(handle) if m.id} == self.entries
