"""Writes imported questions as quizapp Markdown (docs/authoring.md), one file per topic.

Importers fill `Draft` questions; `write_pack` turns them into files the compiler accepts: stable ids from titles
(or numbers), deduplicated; every question gets an explanation and a source (placeholders are reported).
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import yaml

from quizapp.exchange.base import SlugAllocator, slugify
from quizapp.words import Said, render, say

PLACEHOLDER_EXPLANATION = "No explanation was given in the imported file."


@dataclass
class ImportNote:
    """Something an importer could not carry over, with the line of the imported file (an Anki package: the
    note's number). Importers say it as a message (`say()`, the `exchange` catalogue): `message` is the English
    text (the CLI, logs), `text(language)` the reader's (a web page; docs/i18n.md)."""

    line: int
    message: str
    said: Said | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.message, Said):
            self.said, self.message = self.message, str(self.message)

    def text(self, language: str | None = None) -> str:
        return render(self.said, language, "exchange") if self.said is not None else self.message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Draft:
    """One question on its way to Markdown. Text fields are Markdown."""

    qtype: str
    title: str
    line: int
    prompt: str = ""
    explanation: str = ""
    slug: str | None = None  # wanted id (kept when it is free)
    topic: str = ""  # topic title
    topic_slug: str | None = None  # wanted topic id (the file name), e.g. from quizapp's own GIFT export
    choices: list[tuple[str, bool]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    answer_bool: bool | None = None
    items: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    labels: tuple[str, str] = ("Item", "Match")
    back: str = ""
    reversible: bool = False
    tags: list[str] = field(default_factory=list)
    difficulty: int | None = None
    source: str | None = None
    case_sensitive: bool = False


@dataclass
class ImportResult:
    """Markdown files (name -> text) in quizapp's format and what could not be carried over."""

    files: dict[str, str]
    notes: list[ImportNote]
    questions: int
    located_by: str = "line"  # "note": an Anki package's notes are numbered; it has no lines

    def note_texts(self, file: str, language: str | None = None) -> list[str]:
        """Each note as `FILE:LINE: message` (an Anki package: `FILE: note N: message`) in `language` (English
        when None): what an upload page shows the instructor."""
        texts = []
        for note in self.notes:
            if not note.line:
                where = f"{file}: "
            elif self.located_by == "note":
                number = render(say("note {number}", number=note.line), language, "exchange")
                where = f"{file}: {number}: "
            else:
                where = f"{file}:{note.line}: "
            texts.append(where + note.text(language))
        return texts

    @property
    def markdown(self) -> str:
        """All files, one after the other (a single file for a one-topic import)."""
        return "\n".join(self.files.values())

    def write(self, directory: str | Path) -> list[Path]:
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files.items():
            path = target / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


# --- Markdown escaping ------------------------------------------------------------------------------------

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~!#{}])")


def md_escape(text: str) -> str:
    """Plain text -> inline Markdown that renders as the same text."""
    escaped = _INLINE_SPECIAL.sub(r"\\\1", text)
    escaped = re.sub(r"^(\s*)([-+=])(?=\s|$)", r"\1\\\2", escaped)  # list markers, setext underlines
    escaped = re.sub(r"^(\s*\d+)([.)])(?=\s|$)", r"\1\\\2", escaped)  # ordered list markers
    return escaped.replace("\n", " ").strip()


def one_line(markdown: str) -> str:
    return " ".join(markdown.split())


def title_text(text: str) -> str:
    """A heading title: one line, without a trailing `{#...}` that would read as an id."""
    return md_escape(one_line(text)) or "Untitled question"


# --- HTML -> Markdown -------------------------------------------------------------------------------------


class _HtmlToMarkdown(HTMLParser):
    """A small converter for the HTML quiz tools write: paragraphs, line breaks, emphasis, code, links, lists
    and preformatted blocks. Any other tag is kept as HTML (quizapp sanitizes it when rendering)."""

    INLINE: ClassVar[dict[str, str]] = {"strong": "**", "b": "**", "em": "*", "i": "*"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list[int]] = []  # [counter] per open list; counter -1 for bullets
        self.in_pre = 0
        self.in_code = 0
        self.code_buffer: list[str] = []
        self.href: list[str | None] = []
        self.raw_depth = 0

    def _block(self) -> None:
        self.out.append("\n\n")

    RAW_BLOCKS: ClassVar[set[str]] = {"table"}

    def _raw_tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        rendered = "".join(f' {k}="{html.escape(v)}"' if v is not None else f" {k}" for k, v in attrs)
        return f"<{tag}{rendered}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.in_pre:
            return
        if self.raw_depth or tag in self.RAW_BLOCKS:
            if tag in self.RAW_BLOCKS:
                if not self.raw_depth:
                    self._block()
                self.raw_depth += 1
            self.out.append(self._raw_tag(tag, attrs))
            return
        if tag in ("p", "div", "blockquote"):
            self._block()
        elif tag == "br":
            self.out.append("\\\n" if not self.lists else " ")
        elif tag in self.INLINE:
            self.out.append(self.INLINE[tag])
        elif tag == "code":
            self.in_code += 1
            self.code_buffer = []
        elif tag == "pre":
            self._block()
            self.in_pre = 1
            self.code_buffer = []
        elif tag == "a":
            self.href.append(attributes.get("href"))
            self.out.append("[")
        elif tag in ("ul", "ol"):
            self._block()
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            marker = "- "
            if self.lists and self.lists[-1][0] >= 0:
                self.lists[-1][0] += 1
                marker = f"{self.lists[-1][0]}. "
            indent = "   " * (len(self.lists) - 1)
            self.out.append(f"\n{indent}{marker}")
        elif tag == "hr":
            self._block()
            self.out.append("---")
            self._block()
        else:
            self.out.append(self._raw_tag(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if self.in_pre:
            if tag == "pre":
                code = "".join(self.code_buffer).rstrip("\n")
                fence = "~~~" if "```" in code else "```"
                self.out.append(f"{fence}\n{code}\n{fence}")
                self._block()
                self.in_pre = 0
            return
        if self.raw_depth:
            self.out.append(f"</{tag}>")
            if tag in self.RAW_BLOCKS:
                self.raw_depth -= 1
                if not self.raw_depth:
                    self._block()
            return
        if tag in ("p", "div", "blockquote"):
            self._block()
        elif tag in self.INLINE:
            self.out.append(self.INLINE[tag])
        elif tag == "code":
            self.in_code = max(0, self.in_code - 1)
            code = "".join(self.code_buffer)
            ticks = "``" if "`" in code else "`"
            pad = " " if code.startswith("`") or code.endswith("`") else ""
            self.out.append(f"{ticks}{pad}{code}{pad}{ticks}")
        elif tag == "a":
            href = self.href.pop() if self.href else None
            self.out.append(f"]({href})" if href else "]")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._block()
        elif tag in ("li", "br", "hr"):
            pass
        else:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.in_pre or self.in_code:
            self.code_buffer.append(data)
            return
        if self.raw_depth:
            self.out.append(html.escape(data, quote=False).replace("\n\n", "\n"))
            return
        text = " ".join(data.split()) if not data.isspace() else (" " if data else "")
        if data[:1].isspace() and text and not text.startswith(" "):
            text = " " + text
        if data[-1:].isspace() and text and not text.endswith(" "):
            text = text + " "
        self.out.append(_escape_data(text))


def _escape_data(text: str) -> str:
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def html_to_markdown(fragment: str) -> str:
    """HTML (as quiz tools write it) -> Markdown that renders the same way."""
    if "<" not in fragment and "&" not in fragment:
        return plain_to_markdown(fragment)
    converter = _HtmlToMarkdown()
    converter.feed(fragment)
    converter.close()
    text = "".join(converter.out)
    lines = [line.rstrip() if not line.endswith("\\") else line for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text


def plain_to_markdown(text: str) -> str:
    """Plain text (paragraphs split by blank lines) -> Markdown."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join("\n".join(md_escape(line) for line in p.splitlines() if line.strip()) for p in paragraphs)


def inline_markdown(fragment: str, is_html: bool) -> str:
    """An answer, a choice or a title: inline Markdown on one line."""
    converted = html_to_markdown(fragment) if is_html else md_escape(fragment)
    return one_line(converted.replace("\\\n", " "))


# --- writing ------------------------------------------------------------------------------------------------


def write_pack(drafts: Iterable[Draft], pack_id: str, pack_title: str | None, default_source: str,
               notes: list[ImportNote], default_topic: str = "Imported questions",
               language: str = "en") -> ImportResult:
    by_topic: dict[str, list[Draft]] = {}
    for draft in drafts:
        by_topic.setdefault(draft.topic or default_topic, []).append(draft)
    ids = SlugAllocator()
    file_names = SlugAllocator()
    files: dict[str, str] = {}
    count = 0
    for topic_title, topic_drafts in by_topic.items():
        wanted = next((d.topic_slug for d in topic_drafts if d.topic_slug), None)
        name = file_names.take(wanted or topic_title, "imported") + ".md"
        front = {"pack": pack_id}
        if pack_title:
            front["pack_title"] = pack_title
        front.update({"title": topic_title, "language": language, "sources": [default_source]})
        body = ["---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000).strip(), "---", ""]
        for draft in topic_drafts:
            slug = ids.take(draft.slug or draft.title, f"question-{draft.line}")
            if draft.slug and slug != slugify(draft.slug):
                notes.append(ImportNote(draft.line, say("id {slug!r} is taken; the question became {new!r}",
                                                        slug=draft.slug, new=slug)))
            body.append(render_question(draft, slug, notes))
            count += 1
        files[name] = "\n".join(body).rstrip() + "\n"
    return ImportResult(files, sorted(notes, key=lambda n: n.line), count)


def render_question(draft: Draft, slug: str, notes: list[ImportNote]) -> str:
    settings = [f"type: {draft.qtype}"]
    tags = [t for t in (slugify(tag, fallback="") for tag in draft.tags) if t]
    if tags:
        settings.append(f"tags: {', '.join(dict.fromkeys(tags))}")
    if draft.difficulty:
        settings.append(f"difficulty: {draft.difficulty}")
    if draft.source:
        settings.append(f"source: {one_line(draft.source)}")
    if draft.qtype == "flashcard" and draft.reversible:
        settings.append("reversible: true")
    if draft.qtype in ("short", "cloze") and draft.case_sensitive:
        settings.append("case_sensitive: true")
    out = [f"## {title_text(draft.title)} {{#{slug}}}", "", "\n".join(settings), ""]
    prompt = draft.prompt.strip() or md_escape(draft.title)
    out += [prompt, ""]
    if draft.qtype in ("single", "multiple"):
        out += ["### Choices", ""]
        out += [f"- [{'x' if right else ' '}] {one_line(text) or '(empty)'}" for text, right in draft.choices]
        out.append("")
    elif draft.qtype == "truefalse":
        out += ["### Answer", "", "true" if draft.answer_bool else "false", ""]
    elif draft.qtype == "short":
        out += ["### Answer", ""] + [f"- {md_escape(answer)}" for answer in draft.answers] + [""]
    elif draft.qtype == "ordering":
        out += ["### Order", ""] + [f"{n}. {one_line(text)}" for n, text in enumerate(draft.items, 1)] + [""]
    elif draft.qtype == "matching":
        left, right = (cell(label) for label in draft.labels)
        out += ["### Pairs", "", f"| {left} | {right} |", "|---|---|"]
        out += [f"| {cell(a)} | {cell(b)} |" for a, b in draft.pairs]
        out.append("")
    elif draft.qtype == "flashcard":
        out += ["### Back", "", draft.back.strip() or "(empty)", ""]
    explanation = draft.explanation.strip()
    if not explanation:
        explanation = PLACEHOLDER_EXPLANATION
        notes.append(ImportNote(draft.line, say("question {slug!r} has no feedback to use as its explanation; a "
                                                "placeholder was written: replace it", slug=slug)))
    out += ["### Explanation", "", explanation, ""]
    return "\n".join(out)


def cell(text: str) -> str:
    return one_line(text).replace("|", "\\|") or " "


# --- text in Moodle's formats ---------------------------------------------------------------------


@dataclass
class FormattedText:
    """Text in one of Moodle's formats: html, moodle (auto-format), plain or markdown."""

    fmt: str
    text: str

    def markdown(self) -> str:
        if self.fmt == "html":
            return html_to_markdown(self.text)
        if self.fmt == "markdown":
            return self.text.strip()
        return plain_to_markdown(self.text)  # moodle (auto-format), plain

    def inline(self) -> str:
        if self.fmt == "markdown":
            return " ".join(self.text.split())
        return inline_markdown(self.text, self.fmt == "html")


def feedback_parts(general: FormattedText | None) -> tuple[str, str | None]:
    """(explanation, back): quizapp's own export marks the flashcard back and the source in the feedback."""
    if general is None:
        return "", None
    text, back = general.text, None
    if general.fmt == "html":
        match = re.search(r'<div class="quizapp-back">(.*?)</div>', text, re.DOTALL)
        if match:
            back = html_to_markdown(match[1])
            text = text[:match.start()] + text[match.end():]
        text = re.sub(r'<p class="quizapp-source">.*?</p>', "", text, flags=re.DOTALL)
    return FormattedText(general.fmt, text).markdown(), back
