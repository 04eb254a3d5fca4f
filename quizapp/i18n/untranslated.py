"""Finds user-visible English in templates that is not marked for translation.

Template constructs are blanked out first (`{% trans %}` blocks entirely, other tags and expressions replaced by
a placeholder), so what is left is HTML; text that still holds words after its tags are removed, and the values
of visible attributes (title, alt, placeholder, aria-label), are strings no catalogue can translate. Code, keys and
samples (`<code>`, `<kbd>`, `<samp>`, `<pre>`) read the same in every language and are skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
# `{% block page %}` names the page for the stylesheet and scripts (body[data-page]); it is never shown.
PAGE_BLOCK = re.compile(r"{%-?\s*block page\s*-?%}.*?{%-?\s*endblock\s*-?%}", re.S)
# Names that read the same in every language.
VERBATIM_WORDS = re.compile(r"\b(?:quizapp|Enter|TCP|UDP|SCTP|JSON|CSV|xAPI|YAML|SVG|API|URL|OpenAPI|Anki|GIFT|Moodle|QTI|Canvas)\b")
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
SKIPPED = re.compile(r"<(script|style|code|kbd|samp|pre)\b.*?</\1\s*>|<!--.*?-->", re.S)
VISIBLE_ATTRIBUTE = re.compile(r"""\b(?:title|alt|placeholder|aria-label|aria-description)\s*=\s*"([^"]*)\"""")
TAG = re.compile(r"<[^>]*>", re.S)
WORD = re.compile(r"[A-Za-z]{2,}")
# Addresses and examples such as `web:80` or `192.168.1.11:30080` read the same in every language.
ADDRESS = re.compile(r"[\w.-]+:\d+")


@dataclass(frozen=True)
class Untranslated:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r} is not marked for translation"


def _blank(pattern: re.Pattern[str], text: str, keep: str = " ") -> str:
    """Replace each match by `keep`, keeping its newlines so that line numbers stay right."""
    return pattern.sub(lambda m: keep + "\n" * m.group(0).count("\n"), text)


def find_untranslated(path: Path, root: Path) -> list[Untranslated]:
    text = path.read_text(encoding="utf-8")
    text = _blank(TRANS_BLOCK, text)
    text = _blank(PAGE_BLOCK, text)
    text = _blank(JINJA, text, keep="§")
    text = _blank(SKIPPED, text)
    # A tag (which may span lines) shows only its visible attributes.
    text = TAG.sub(lambda m: " " + " ".join(VISIBLE_ATTRIBUTE.findall(m.group(0))) + " "
                   + "\n" * m.group(0).count("\n"), text)
    found: list[Untranslated] = []
    for number, line in enumerate(text.split("\n"), start=1):
        words = " ".join(ADDRESS.sub(" ", VERBATIM_WORDS.sub(" ", line)).split())
        if WORD.search(words):
            found.append(Untranslated(str(path.relative_to(root)), number, words[:100]))
    return found


def scan(templates: Path) -> list[Untranslated]:
    return [item for path in sorted(templates.rglob("*.html")) for item in find_untranslated(path, templates)]
