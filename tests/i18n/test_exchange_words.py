"""The foreign importers' problems in the instructor's language: every note an importer writes (and every refusal
of a file) is a message (`say(...)`) with a Chinese translation in the `exchange` catalogue; `str()` stays English
(the CLI, logs); the upload page renders them in the instructor's language, still `FILE:LINE: message`."""
from __future__ import annotations

import ast
import io
from pathlib import Path

from flask_babel import refresh
from sqlalchemy import select

from quizapp.exchange import import_quiz, read_import_file
from quizapp.exchange.base import ExchangeError
from quizapp.models import PackDraft
from quizapp.words import render
from tests.i18n.words_catalogue import Catalogue, is_plain_text, said_in

ROOT = Path(__file__).resolve().parents[2]
EXCHANGE = ROOT / "quizapp" / "exchange"
# the importers' ways of reporting a problem, and which argument is the message
REPORTS = {"ImportNote": 1, "AnkiPackageError": 0, "MoodleXmlError": 1, "ExchangeError": 0}
ZH = {"Accept-Language": "zh-CN"}

BAD_GIFT = """::good:: Which component allocates a pod IP? {
=the CNI plugin's IPAM
~kube-proxy
}

::nobody:: Which one is right? {~kube-proxy ~kubelet}

::tf-feedback:: A Service has a virtual IP. {T#wrong answer feedback#right answer feedback}
"""


def plain_reports() -> list[str]:
    found = []
    for path in sorted(EXCHANGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in REPORTS \
                    and len(node.args) > REPORTS[node.func.id]:
                message = node.args[REPORTS[node.func.id]]
                if is_plain_text(message):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(message)[:100]}")
    return found


def test_every_importer_problem_is_a_message_with_a_chinese_translation():
    catalogue = Catalogue("exchange")
    said = said_in(EXCHANGE)
    assert len(said) > 80
    problems = ([f"not a message (use say()): {item}" for item in plain_reports()]
                + [f"no zh-CN translation in exchange.po: {where}: {msgid!r}" for where, msgid in said
                   if not catalogue.translated(msgid)])
    assert not problems, "import problems an instructor using Chinese reads in English:\n" + "\n".join(problems)


def test_exchange_translations_keep_their_parameters_and_are_compiled():
    catalogue = Catalogue("exchange")
    assert not catalogue.parameter_mismatches(), catalogue.parameter_mismatches()
    assert catalogue.compiled_is_current(), "exchange.mo is out of date: pybabel compile -D exchange -d quizapp/translations"


def test_notes_stay_english_and_render_in_chinese_with_their_line():
    result = import_quiz(BAD_GIFT, "gift", "lianxi")
    english = result.note_texts("quiz.gift")
    assert "quiz.gift:6: no choice is right (no `=` and no positive weight); left out" in english
    assert any(str(note) == "line 6: no choice is right (no `=` and no positive weight); left out"
               for note in result.notes)  # the CLI's form, unchanged
    chinese = result.note_texts("quiz.gift", "zh-CN")
    assert "quiz.gift:6: 没有正确选项（既没有 `=`，也没有正权重）；已跳过" in chinese
    assert "quiz.gift:8: 判断题针对答对或答错的反馈已移入解析" in chinese


def test_refusals_render_in_chinese_and_anki_notes_are_located_by_note():
    try:
        read_import_file(b"ok\n\xff\xfe", "gift", "quiz.gift")
    except ExchangeError as error:
        assert str(error) == "quiz.gift:2: the file is not UTF-8 text; save it as UTF-8"
        assert render(error.said, "zh-CN", "exchange") == "quiz.gift:2：文件不是 UTF-8 文本；请以 UTF-8 编码保存"
    else:
        raise AssertionError("a file that is not UTF-8 was read")
    broken = import_quiz(b"not a zip", "apkg", "deck")
    assert broken.note_texts("deck.apkg", "zh-CN") == ["deck.apkg: 这不是 Anki 包：.apkg 或 .colpkg 文件应是 zip 文件"]
    xml = import_quiz(b"<?xml version='1.0'?>\n<quiz>\n<question>\n</quiz>\n", "moodle-xml", "q")
    assert xml.note_texts("q.xml", "zh-CN")[0].startswith("q.xml:4: XML 格式不正确（")


def test_a_chinese_instructor_reads_the_import_report_in_chinese(client, db, make_user, login):
    make_user("ines@example.org", role="instructor")
    login("ines@example.org")
    refresh()
    response = client.post("/instructor/packs/upload", data={"files": [(io.BytesIO(BAD_GIFT.encode()), "quiz.gift")]},
                           content_type="multipart/form-data", headers=ZH)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    draft = db.session.scalar(select(PackDraft).order_by(PackDraft.id.desc()))
    assert "quiz.gift:6: 没有正确选项（既没有 `=`，也没有正权重）；已跳过" in draft.notes
    refresh()
    page = client.get(response.headers["Location"], headers=ZH).get_data(as_text=True)
    assert "quiz.gift:6: 没有正确选项" in page and "no choice is right" not in page
    refresh()
    refused = client.post("/instructor/packs/upload", data={"files": [(io.BytesIO(b"not a zip"), "deck.apkg")]},
                          content_type="multipart/form-data", headers=ZH).get_data(as_text=True)
    assert "上传被拒绝" in refused and "这不是 Anki 包" in refused and "not an Anki package" not in refused
