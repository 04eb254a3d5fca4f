"""A crawler for the zh-CN sweep: follows every link a user can click (a few URLs per endpoint), fills and sends
the forms that lead to more pages (an answer, an upload), and reads each page's visible text (text nodes and the
attributes a reader meets: title, aria-label, placeholder, alt, a button's value).

`english_left(text)` lists the English catalogue's words found untranslated in a page: every msgid of the interface
(`messages.pot`) and of the pure layers' catalogues (`sim`, `compiler`, `exchange`) is cut at its parameters and
markup into literal pieces; a piece of three words or more found in a zh-CN page is English the reader should not
see (a Chinese page shows the msgstr, never the msgid). The lab's CLI text box is not read: it is English by
design, as `quizapp sim trace` prints it."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "quizapp" / "translations"
SKIPPED_TAGS = {"script", "style", "template"}
# English by design (docs/i18n.md): the lab's "CLI text" box prints what `quizapp sim trace` prints
SKIPPED_CLASSES = {("pre", "cli")}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# not pages: downloads, the API, static files, the favicon; logging out or switching language ends the walk
NOT_PAGES = re.compile(r"^/(static/|api/|favicon|export/[^/]+\.(csv|json)|classes/\d+/gradebook\.csv|healthz|"
                       r"instructor/packs/[^/]+/export/)")
COMMAND = re.compile(r"^(quizapp|pybabel|kubectl|docker) ")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdr]|%[sd]|\{[^{}]*\}|<[^>]+>|&[a-z]+;|\s*\n\s*")


class PageText(HTMLParser):
    """Visible text, links and forms of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.skipping: list[str] = []  # the tags whose text is not read, innermost last
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in SKIPPED_TAGS or any((tag, css) in SKIPPED_CLASSES for css in values.get("class", "").split()):
            self.skipping.append(tag)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        elif tag == "form":
            self.forms.append({"action": values.get("action", ""), "method": values.get("method", "get").lower(),
                               "fields": {}, "enctype": values.get("enctype", "")})
        elif tag == "textarea" and self.forms and values.get("name"):
            self.textarea = values["name"]
            self.forms[-1]["fields"][self.textarea] = ""
        elif tag in ("input", "button") and self.forms:
            kind = values.get("type", "text" if tag != "button" else "submit")
            if tag == "input" and kind in ("submit", "button") and values.get("value"):
                self.parts.append(values["value"])
            name = values.get("name")
            fields = self.forms[-1]["fields"]
            if name and kind in ("radio", "checkbox"):
                fields.setdefault(name, values.get("value", "on"))
            elif name and kind not in ("submit", "button", "file"):
                fields.setdefault(name, values.get("value", ""))
        elif tag == "select" and self.forms:
            self.select = values.get("name")
        elif tag == "option" and self.select and self.forms:
            self.forms[-1]["fields"].setdefault(self.select, values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag == "select":
            self.select = None
        if tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.forms:
            self.forms[-1]["fields"][self.textarea] += data
        if not self.skipping and data.strip():
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def read_page(html: str) -> PageText:
    parser = PageText()
    parser.feed(html)
    return parser


def english_pieces() -> set[str]:
    """Literal pieces (3+ words) of every msgid of the interface and the pure layers' catalogues."""
    pieces: set[str] = set()
    for pot in ("messages.pot", "sim.pot", "compiler.pot", "exchange.pot"):
        with (TRANSLATIONS / pot).open("rb") as handle:
            for message in read_po(handle):
                for msgid in (message.id if isinstance(message.id, (list, tuple)) else [message.id]):
                    for piece in PLACEHOLDER.split(msgid or ""):
                        piece = " ".join(piece.split()).strip(" .,:;()-–—·'\"“”")
                        if COMMAND.match(piece):
                            continue  # a command line quoted in the text (`quizapp content check`)
                        if sum(1 for word in piece.split() if re.search(r"[A-Za-z]{2,}", word)) >= 3:
                            pieces.add(piece)
    return pieces


def english_left(text: str, pieces: set[str]) -> list[str]:
    return sorted(piece for piece in pieces if piece in text)


def short_labels() -> set[str]:
    """The interface's msgids without parameters whose Chinese differs ("Dashboard", "Log out", "refused")."""
    with (TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id for m in read_po(handle) if isinstance(m.id, str) and m.id and "%" not in m.id
                and m.string and m.string != m.id}


def labels_left(parts: list[str], labels: set[str], content: set[str]) -> list[str]:
    """Text nodes (and read attributes) that are exactly an English label; `content`: titles that are content
    without a translation (a pack's title may happen to read like a label)."""
    return sorted({part.strip() for part in parts if part.strip() in labels and part.strip() not in content})


def english_runs(text: str) -> list[str]:
    """Runs of three or more English words (for a person's review: content without a translation shows here)."""
    return re.findall(r"[A-Za-z][A-Za-z'’]+(?:[ ,-]+[A-Za-z][A-Za-z'’]+){2,}", text)


class Crawler:
    """Walks a site from some start pages as one user, with the client's cookies and headers."""

    def __init__(self, client, app, headers: dict[str, str], per_endpoint: int = 2, limit: int = 120):
        self.client, self.app, self.headers = client, app, headers
        self.per_endpoint, self.limit = per_endpoint, limit
        self.pages: dict[str, str] = {}  # path -> visible text
        self.page_objects: dict[str, PageText] = {}
        self.parts: dict[str, list[str]] = {}
        self.seen_endpoints: dict[str, int] = {}
        self.posted: set[str] = set()

    def endpoint(self, path: str) -> str | None:
        adapter = self.app.url_map.bind("localhost")
        try:
            return adapter.match(urlsplit(path).path, method="GET")[0]
        except Exception:  # noqa: BLE001 - a 404, a redirect rule, a POST-only route: not a page to walk
            return None

    def get(self, path: str, fresh) -> None:
        fresh()
        response = self.client.get(path, headers=self.headers, follow_redirects=True)
        if response.mimetype == "text/html":
            self.record(path, response.get_data(as_text=True))

    def record(self, path: str, html: str) -> PageText:
        if os.environ.get("QUIZAPP_SWEEP_DUMP"):  # the pages as served, for a person to look at
            folder = Path(os.environ["QUIZAPP_SWEEP_DUMP"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / (re.sub(r"[^A-Za-z0-9]+", "_", path)[:120] + ".html")).write_text(html, encoding="utf-8")
        page = read_page(html)
        self.pages[path] = page.text
        self.parts[path] = page.parts
        self.page_objects[path] = page
        return page

    def walk(self, starts: list[str], fresh) -> dict[str, str]:
        queue = list(starts)
        while queue and len(self.pages) < self.limit:
            path = queue.pop(0)
            if path in self.pages or NOT_PAGES.match(urlsplit(path).path):
                continue
            endpoint = self.endpoint(path)
            if endpoint is None or endpoint in ("auth.logout", "i18n.switch_language"):
                continue
            if self.seen_endpoints.get(endpoint, 0) >= self.per_endpoint and path not in starts:
                continue
            self.seen_endpoints[endpoint] = self.seen_endpoints.get(endpoint, 0) + 1
            self.get(path, fresh)
            page = self.page_objects.get(path)
            if page is None:
                continue
            for link in page.links:
                target = urljoin(path, link.split("#")[0])
                parts = urlsplit(target)
                if parts.netloc in ("", "localhost") and parts.path.startswith("/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return self.pages

    def submit(self, path: str, action_part: str, fresh, changes: dict[str, str] | None = None) -> str:
        """Send the page's first form whose action contains `action_part` (its defaults, some values changed);
        record the page it leads to and return its label."""
        page = self.page_objects[path]
        form = next(f for f in page.forms if action_part in (f["action"] or path) and f["method"] == "post")
        data = {**form["fields"], **(changes or {})}
        action = urljoin(path, form["action"] or path)
        fresh()
        response = self.client.post(action, data=data, headers=self.headers, follow_redirects=True)
        html = response.get_data(as_text=True)
        label = f"POST {urlsplit(action).path} -> {response.request.path}"
        self.record(label, html)
        return label
