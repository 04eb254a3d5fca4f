"""The zh-CN interface catalogue: every marked string extracted and translated, none fuzzy, the .mo compiled from
the .po that is checked in."""
from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "quizapp/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")


def extracted_ids() -> set[str]:
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "quizapp"), method_map, options_map, keywords=keywords):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_Hans_CN")


def test_every_marked_string_has_a_chinese_translation():
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue() if m.id}
    missing = sorted(extracted_ids() - set(translated))
    assert not missing, "not in the zh catalogue (pybabel extract + update, then translate):\n" + "\n".join(missing)
    empty = sorted(key for key, m in translated.items() if not (m.string if isinstance(m.string, str) else all(m.string)))
    assert not empty, "no Chinese text yet:\n" + "\n".join(empty)
    fuzzy = sorted(key for key, m in translated.items() if m.fuzzy)
    assert not fuzzy, "fuzzy entries (check and unmark):\n" + "\n".join(fuzzy)


def test_the_compiled_catalogue_is_the_checked_in_one():
    with MO.open("rb") as handle:
        compiled = read_mo(handle)
    def key(value):  # plural entries carry (singular, plural) and their forms
        return tuple(value) if isinstance(value, (list, tuple)) else value

    expected = {key(m.id): key(m.string) for m in catalogue() if m.id}
    actual = {key(m.id): key(m.string) for m in compiled if m.id}
    assert actual == expected, "messages.mo is out of date: run `pybabel compile -d quizapp/translations`"
