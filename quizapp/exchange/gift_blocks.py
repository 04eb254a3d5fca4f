"""GIFT text cut into question blocks: escapes protected, `//` comments read (Moodle's `[id:...] [tag:...]`,
quizapp's own `// quizapp: ...` metadata), answers cut into pieces, `[format]` prefixes read.
The importer is `quizapp.exchange.gift_import`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizapp.exchange.markdown_out import FormattedText

_PLACEHOLDERS = {"\\\\": "\ue000", "\\:": "\ue001", "\\#": "\ue002", "\\=": "\ue003", "\\{": "\ue004",
                 "\\}": "\ue005", "\\~": "\ue006", "\\n": "\ue007"}
_RESTORE = {"\ue000": "\\", "\ue001": ":", "\ue002": "#", "\ue003": "=", "\ue004": "{", "\ue005": "}",
            "\ue006": "~", "\ue007": "\n"}
_RAW = {placeholder: escaped for escaped, placeholder in _PLACEHOLDERS.items()}
META = re.compile(r"^//\s*quizapp:\s*(.*)$")
META_SOURCE = re.compile(r"^//\s*quizapp-source:\s*(.*)$")
META_EXPLANATION = re.compile(r"^//\s*quizapp-explanation:\s*(.*)$")
MOODLE_ID = re.compile(r"\[id:((?:\\]|[^\]\x00-\x1f\x7f])+)\]")
MOODLE_TAG = re.compile(r"\[tag:((?:\\]|[^\]<>\x00-\x1f\x7f])+)\]")
FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def _protect(text: str) -> str:
    text = text.replace("\\\\", _PLACEHOLDERS["\\\\"])
    for escaped, placeholder in _PLACEHOLDERS.items():
        text = text.replace(escaped, placeholder)
    return text


def _restore(text: str) -> str:
    for placeholder, char in _RESTORE.items():
        text = text.replace(placeholder, char)
    return text


def _raw(text: str) -> str:
    """Placeholders back to their escaped form (Moodle reads ordering items without unescaping them)."""
    for placeholder, escaped in _RAW.items():
        text = text.replace(placeholder, escaped)
    return text


@dataclass
class GiftBlock:
    line: int
    text: str
    meta: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    idnumber: str | None = None  # Moodle's `// [id:...]`
    tags: list[str] = field(default_factory=list)  # Moodle's `// [tag:...]`
    explanation: str | None = None  # quizapp's `// quizapp-explanation:` (ordering questions)

    def line_at(self, text: str, position: int) -> int:
        """The file line of `position` in `text`, a protected copy of this block's text (same line breaks)."""
        return self.line + text.count("\n", 0, max(position, 0))


def split_blocks(text: str) -> list[GiftBlock]:
    """Questions are separated by blank lines; `//` comment lines are read for ids, tags and quizapp's metadata
    (a comment inside a question keeps its line, empty, so line numbers stay exact)."""
    blocks: list[GiftBlock] = []
    current: list[str] = []
    comments: list[str] = []
    start = 0

    def flush() -> None:
        nonlocal current, comments, start
        body = "\n".join(current).rstrip()
        if body.strip():
            blocks.append(_block(start, body, comments))
        current, comments, start = [], [], 0

    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("//"):
            comments.append(stripped)
            if current:
                current.append("")
            continue
        if not current:
            start = number
        current.append(line)
    flush()
    return blocks


def _block(start: int, body: str, comments: list[str]) -> GiftBlock:
    block = GiftBlock(start, body.lstrip())
    joined = "\n".join(comments)
    for comment in comments:
        if match := META.match(comment):
            block.meta = dict(part.split("=", 1) for part in match[1].split() if "=" in part)
        elif match := META_SOURCE.match(comment):
            block.source = match[1].strip()
        elif match := META_EXPLANATION.match(comment):
            block.explanation = match[1]
    if match := MOODLE_ID.search(joined):
        block.idnumber = match[1].strip().replace("\\]", "]")
    block.tags = [tag.strip().replace("\\]", "]") for tag in MOODLE_TAG.findall(joined)]
    return block


def _pieces(text: str, separators: str, keep: str = "") -> list[tuple[str, int]]:
    """`text` cut before each separator character, with each piece's offset; separators in `keep` stay at the
    start of their piece (GIFT's `=` marks a right answer), the others are dropped."""
    pieces, begin = [], 0
    for index, char in enumerate(text):
        if char in separators:
            pieces.append((text[begin:index], begin))
            begin = index if char in keep else index + 1
    pieces.append((text[begin:], begin))
    return [(piece, offset) for piece, offset in pieces if piece.strip()]


def _with_format(text: str, default: str) -> FormattedText:
    match = FORMAT.match(text)
    if match:
        return FormattedText(match[1].lower(), _restore(text[match.end():]).strip())
    return FormattedText(default, _restore(text).strip())


def _card_id(block: GiftBlock) -> str | None:
    """The id of a question: Moodle's `[id:...]`, else quizapp's comment (with the cloze card for old exports)."""
    if block.idnumber:
        return block.idnumber
    ident, card = block.meta.get("id"), block.meta.get("card")
    if ident and card and card.startswith("c"):
        return f"{ident}-{card}" + (f"-{block.meta['blank']}" if block.meta.get("blank") else "")
    return ident


def _plain(text: FormattedText) -> str:
    from quizapp.exchange.base import html_to_text

    return html_to_text(text.text) if text.fmt == "html" else text.text.replace("\ue020", "_____")
