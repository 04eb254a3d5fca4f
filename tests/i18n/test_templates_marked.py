"""Every user-visible English text in the templates is marked for translation (the scanner in
quizapp/i18n/untranslated.py finds text outside `_()`/`{% trans %}`), so the zh-CN catalogue can cover it."""
from __future__ import annotations

from pathlib import Path

from quizapp.i18n.untranslated import find_untranslated, scan

TEMPLATES = Path(__file__).resolve().parents[2] / "quizapp" / "templates"


def test_no_template_text_is_left_outside_the_catalogue():
    assert [str(item) for item in scan(TEMPLATES)] == []


def test_the_scanner_finds_unmarked_text_and_ignores_marked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<h1>{{ _("Marked") }}</h1>\n<p title="Unmarked title">{% trans n=1 %}Also {{ n }}{% endtrans %}'
                    '</p>\n<button>Save</button>\n<code>kubectl get svc</code> web:80\n', encoding="utf-8")
    found = [(item.line, item.text) for item in find_untranslated(page, tmp_path)]
    assert found == [(2, "Unmarked title"), (3, "Save")]
