"""Uploads in another quiz format (GIFT, Moodle XML, text2qti, an Anki package): converted to quizapp Markdown
by the same importers as `quizapp pack import`, then checked like any Markdown upload. Pure: parts in, parts out.

The format is the one the instructor chose, or (`auto`) the file's extension: `.gift` (and `.gift.txt`) GIFT,
`.xml` Moodle XML, `.apkg`/`.colpkg` Anki; `.md`, `.zip`, `.yaml` stay as they are (text2qti files are Markdown
too, so they need the explicit choice). What a converter cannot carry is returned as notes, `FILE:LINE: message` in the instructor's language
(the `exchange` catalogue, docs/i18n.md).
"""
from __future__ import annotations

import posixpath
from collections.abc import Iterable

from flask_babel import gettext as _, lazy_gettext as _l

from quizapp.exchange import ExchangeError, import_quiz, read_import_file
from quizapp.exchange.base import slugify
from quizapp.i18n import current_language
from quizapp.packs.uploads import UploadError, UploadLimits
from quizapp.words import render

FORMAT_CHOICES = [("auto", _l("By file extension (.md/.zip, .gift, .xml, .apkg/.colpkg)")),
                  ("markdown", _l("quizapp Markdown (.md files or a .zip)")), ("gift", "Moodle GIFT"),
                  ("moodle-xml", "Moodle XML"), ("text2qti", _l("text2qti (Canvas) Markdown")),
                  ("apkg", _l("Anki package (.apkg, .colpkg)"))]
EXTENSIONS = {".gift": "gift", ".gift.txt": "gift", ".xml": "moodle-xml", ".apkg": "apkg", ".colpkg": "apkg"}


def format_of(name: str, chosen: str) -> str:
    if chosen != "auto":
        return chosen
    lower = name.lower()
    return next((fmt for ext, fmt in sorted(EXTENSIONS.items(), key=lambda e: -len(e[0])) if lower.endswith(ext)),
                "markdown")


def convert_uploads(parts: Iterable[tuple[str, bytes]], chosen: str, pack_id: str | None,
                    limits: UploadLimits) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Foreign files -> Markdown parts (`<pack>/<topic>.md`) and the converters' notes; other parts unchanged."""
    out: list[tuple[str, bytes]] = []
    notes: list[str] = []
    for name, data in parts:
        fmt = format_of(name or "", chosen)
        if fmt == "markdown" or (not name and not data):
            out.append((name, data))
            continue
        display = posixpath.basename((name or "upload").replace("\\", "/")) or "upload"
        if len(data) > limits.max_total_bytes:
            raise UploadError(_('%(display)s is larger than the %(mib)s MiB an upload may hold; split it', display=display, mib=limits.max_total_bytes // (1024 * 1024)))
        stem = display.split(".")[0]
        pack = pack_id or slugify(stem, fallback="imported-pack")
        try:
            result = import_quiz(read_import_file(data, fmt, display), fmt, pack)
        except ExchangeError as error:  # in the instructor's language, like the compiler's problems
            raise UploadError(render(error.said, current_language(), "exchange")) from None
        except ValueError as error:
            raise UploadError(str(error)) from None
        notes += result.note_texts(display, current_language())
        if not result.files:
            problems = "; ".join(notes[-3:]) or _("no question found")
            raise UploadError(_('no question of %(display)s could be read as %(fmt)s: %(problems)s', display=display, fmt=fmt, problems=problems))
        out += [(f"{pack}/{file_name}", markdown.encode("utf-8")) for file_name, markdown in result.files.items()]
    return out, notes
