"""What every exchange format shares: the shape of the input, the result of an export, HTML and id helpers.

The exporters read compiled questions through the small protocols below, so both the compiler's
`QuestionSpec`/`PackSpec` and the database's `Question`/`Pack` work. Nothing here imports Flask or the database.
"""
from __future__ import annotations

import hashlib
import html
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol, runtime_checkable

from quizapp.content.scanning import CLOZE
from quizapp.content.sim_type import substitute_html
from quizapp.words import Said

CLOZE_MARK = CLOZE  # a linear scanner, not a backtracking regex (quizapp.content.scanning)
BLANK_OPEN = '<span class="cloze-blank">['
BLANK_CLOSE = "]</span>"


@runtime_checkable
class TopicLike(Protocol):
    slug: str
    title: str


class QuestionLike(Protocol):
    """A compiled question: `QuestionSpec` (topic is the topic's slug) or `Question` (topic is a `Topic`)."""

    slug: str
    qtype: str
    title: str
    data: dict[str, Any]
    tags: list[str]
    difficulty: int | None
    topic: Any  # str (QuestionSpec) or TopicLike (Question)


class PackLike(Protocol):
    """`PackSpec` or `Pack`: the pack id is `slug`."""

    slug: str
    title: str
    topics: Sequence[Any]


class ExchangeError(ValueError):
    """A file an importer refuses, said as a message (`say()`, the `exchange` catalogue): `str()` is English (the
    CLI, logs); `said` renders in the reader's language (`quizapp.words.render(error.said, language, "exchange")`)."""

    def __init__(self, message: Said) -> None:
        super().__init__(str(message))
        self.said = message


@dataclass
class ExportNote:
    """Something a format could not carry, for one question (or the whole pack when `slug` is empty)."""

    slug: str
    message: str

    def __str__(self) -> str:
        return f"{self.slug}: {self.message}" if self.slug else self.message


@dataclass
class ExportedFile:
    """An export, ready to send or write: its bytes, a file name, a MIME type and what was lost."""

    content: bytes
    filename: str
    mimetype: str
    notes: list[ExportNote] = field(default_factory=list)
    count: int = 0  # questions (or notes, for Anki) written

    def write(self, path: str) -> None:
        with open(path, "wb") as handle:
            handle.write(self.content)


@dataclass
class Item:
    """One question as the exporters see it: the question plus its topic's slug and title."""

    q: QuestionLike
    topic_slug: str
    topic_title: str

    @property
    def slug(self) -> str:
        return self.q.slug

    @property
    def qtype(self) -> str:
        return self.q.qtype

    @property
    def data(self) -> dict[str, Any]:
        return self.q.data


def items_of(pack: PackLike, questions: Iterable[QuestionLike] | None = None) -> list[Item]:
    """The questions to export with their topics; by default the pack's own `questions` list."""
    titles = {topic.slug: topic.title for topic in getattr(pack, "topics", []) or []}
    chosen = list(pack.questions if questions is None else questions)  # type: ignore[attr-defined]
    items = []
    for question in chosen:
        topic = question.topic
        if isinstance(topic, str):
            items.append(Item(question, topic, titles.get(topic, topic.replace("-", " ").capitalize())))
        else:
            items.append(Item(question, topic.slug, topic.title))
    return items


def stable_id(*parts: str) -> int:
    """A stable 31-bit id (Anki deck and model ids), the same for the same parts on every machine."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def file_stem(pack: PackLike) -> str:
    return pack.slug


# --- HTML helpers ---------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p", "li", "tr", "pre", "div"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li", "td", "th", "pre", "div"):
            self.parts.append(" ")


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment, white space collapsed."""
    extractor = _TextExtractor()
    extractor.feed(fragment or "")
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def source_html(source: str | None) -> str:
    if not source:
        return ""
    if re.match(r"^https?://\S+$", source):
        return f'<p class="quizapp-source">Source: <a href="{esc(source)}">{esc(source)}</a></p>'
    return f'<p class="quizapp-source">Source: {esc(source)}</p>'


def feedback_html(item: Item, explanation: str | None = None) -> str:
    """The explanation followed by the source: what every format shows after an answer. Authors usually end
    the explanation with their own `Source:` line; then the source is not written a second time."""
    explanation = item.data.get("explanation_html", "") if explanation is None else explanation
    return (explanation + source_once(explanation, item.data.get("source"))).strip()


def source_once(explanation: str, source: str | None) -> str:
    """The source paragraph, unless the explanation already names that source."""
    if not source or source in html.unescape(explanation):
        return ""
    return source_html(source)


def shuffled(values: Sequence[Any], seed: str) -> list[Any]:
    """A fixed shuffle (the same on every export), never the authored order when it can be avoided."""
    result = list(values)
    if len(result) < 2:
        return result
    rng = random.Random(seed)
    for _ in range(8):
        rng.shuffle(result)
        if result != list(values):
            break
    return result


# --- sim questions ----------------------------------------------------------------------------------------


@dataclass
class SimVariant:
    prompt_html: str
    explanation_html: str
    ask_label: str
    key: str
    accepted: list[str]
    trace_text: str
    params: dict[str, Any]


def sim_variant(data: dict[str, Any], index: int = 0) -> SimVariant | None:
    """A fixed variant of a sim question (the first one, `variants[0]`), with its parameters filled in."""
    variants = data.get("variants") or []
    if not variants:
        return None
    variant = variants[index]
    params = variant.get("params", {})
    accepted = variant.get("accepted")
    if isinstance(accepted, list):
        answers = [str(a) for a in accepted]
    elif isinstance(accepted, bool):
        answers = [str(accepted).lower()]
    else:
        answers = [str(variant.get("key", accepted))]
    return SimVariant(
        prompt_html=substitute_html(data.get("prompt_html", ""), params),
        explanation_html=substitute_html(data.get("explanation_html", ""), params),
        ask_label=data.get("ask_label", ""),
        key=str(variant.get("key", "")),
        accepted=answers,
        trace_text=variant.get("trace_text", ""),
        params=params,
    )


def sim_prompt_html(variant: SimVariant) -> str:
    ask = f"<p><em>Answer with {esc(variant.ask_label)}.</em></p>" if variant.ask_label else ""
    return variant.prompt_html + ask


def sim_feedback_html(item: Item, variant: SimVariant) -> str:
    trace = (f'<p>The simulator\'s trace:</p><pre class="quizapp-trace">{esc(variant.trace_text)}</pre>'
             if variant.trace_text else "")
    answer = f"<p>Answer (computed by quizapp's simulator): <strong>{esc(variant.key)}</strong></p>"
    return (answer + variant.explanation_html + trace
            + source_once(variant.explanation_html, item.data.get("source"))).strip()


# --- cloze questions --------------------------------------------------------------------------------------


@dataclass
class ClozeBlank:
    answers: list[str]
    hint: str


def cloze_text_html(data: dict[str, Any]) -> str | None:
    """The cloze's rendered text with its `{{cN::answer::hint}}` marks, as the author wrote them."""
    text = data.get("prompt_html", "")
    return text if CLOZE_MARK.search(text) else None


def cloze_card_blanks(data: dict[str, Any], group: str) -> list[ClozeBlank]:
    card = data.get("cards", {}).get(group, {})
    return [ClozeBlank(list(b.get("answers", [])), b.get("hint", "")) for b in card.get("blanks", [])]


def cloze_card_parts(data: dict[str, Any], group: str) -> list[str]:
    """A card's prompt HTML split around its blanks: len(blanks) + 1 pieces."""
    card = data.get("cards", {}).get(group, {})
    return split_blanks(card.get("prompt_html", ""))


def split_blanks(html: str) -> list[str]:
    """``html`` split around its ``<span class="cloze-blank">[...]</span>`` blanks.

    Same result as a lazy regex, but linear: a regex retried from every unclosed opening span is quadratic on
    crafted HTML, and prompts come from uploads.
    """
    parts: list[str] = []
    start = 0
    while (opening := html.find(BLANK_OPEN, start)) >= 0:
        closing = html.find(BLANK_CLOSE, opening + len(BLANK_OPEN))
        if closing < 0:  # no blank closes after this one, so none after a later opening either
            break
        parts.append(html[start:opening])
        start = closing + len(BLANK_CLOSE)
    parts.append(html[start:])
    return parts


# --- ids for imported questions ----------------------------------------------------------------------------


def slugify(text: str, fallback: str = "question", limit: int = 60) -> str:
    normalized = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", normalized).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return slug.strip("-") or fallback


class SlugAllocator:
    """Unique, stable ids: the slug of a title or number, `-2`, `-3`... on repeats."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str | None, fallback: str) -> str:
        base = slugify(wanted or "", fallback=slugify(fallback))
        slug, number = base, 2
        while slug in self.used:
            slug, number = f"{base}-{number}", number + 1
        self.used.add(slug)
        return slug
