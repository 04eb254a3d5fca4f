"""Exchange formats: export a pack to Anki, Moodle (GIFT, XML) and Canvas (QTI 1.2); import GIFT, text2qti,
Moodle XML and Anki packages.

A pure library (no Flask, no database): exporters take a pack (`PackSpec` or `Pack`) and its questions and
return an `ExportedFile`; importers take text and return Markdown files in quizapp's format with a report of
what could not be carried over. `quizapp.exchange.cli` wires them to `quizapp pack export|import`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from quizapp.exchange.anki import export_apkg
from quizapp.exchange.anki_import import import_apkg
from quizapp.exchange.base import ExchangeError, ExportedFile, ExportNote, PackLike, QuestionLike
from quizapp.exchange.gift import export_gift, import_gift
from quizapp.exchange.markdown_out import ImportNote, ImportResult
from quizapp.exchange.moodle_xml import export_moodle_xml
from quizapp.exchange.moodle_xml_import import import_moodle_xml
from quizapp.exchange.qti import export_qti
from quizapp.exchange.text2qti import import_text2qti
from quizapp.words import say

EXPORTERS: dict[str, Callable[..., ExportedFile]] = {
    "apkg": export_apkg,
    "gift": export_gift,
    "moodle-xml": export_moodle_xml,
    "qti": export_qti,
}
IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    "gift": import_gift,
    "text2qti": import_text2qti,
    "moodle-xml": import_moodle_xml,
    "apkg": import_apkg,
}
BINARY_IMPORTS: frozenset[str] = frozenset({"moodle-xml", "apkg"})  # read as bytes (the file declares its encoding)


def export_pack(pack: PackLike, questions: Iterable[QuestionLike] | None, fmt: str) -> ExportedFile:
    """Export `questions` (default: `pack.questions`) of a pack in one of `EXPORTERS`' formats."""
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; use one of: {', '.join(EXPORTERS)}") from None
    return exporter(pack, questions)


def read_import_file(raw: bytes, fmt: str, name: str) -> str | bytes:
    """The file as the importer of `fmt` takes it: bytes, or UTF-8 text; ValueError `NAME:LINE: ...` otherwise."""
    if fmt in BINARY_IMPORTS:
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ExchangeError(say("{name}:{line}: the file is not UTF-8 text; save it as UTF-8",
                                name=name, line=line)) from None


def import_quiz(text: str | bytes, fmt: str, pack_id: str, pack_title: str | None = None) -> ImportResult:
    """Import a quiz file (text, or bytes for `BINARY_IMPORTS`) as quizapp Markdown files, with a report of what
    was not carried over."""
    try:
        importer = IMPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown import format {fmt!r}; use one of: {', '.join(IMPORTERS)}") from None
    return importer(text, pack_id, pack_title)


__all__ = ["BINARY_IMPORTS", "EXPORTERS", "IMPORTERS", "ExchangeError", "ExportNote", "ExportedFile", "ImportNote",
           "ImportResult", "export_apkg",
           "export_gift", "export_moodle_xml", "export_pack", "export_qti", "import_apkg", "import_gift", "import_moodle_xml", "import_quiz",
           "import_text2qti", "read_import_file"]
