"""A pack's translated title on every page in the reader's language, in the database under its constraints, in
zh-CN exports; the class page quotes wrong answers from the translated question."""
from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import datetime, timezone

import pytest
from flask_babel import refresh
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quizapp.auth.service import create_token
from quizapp.classes import service as classes
from quizapp.classes.localized import localized_report
from quizapp.classes.progress import class_progress
from quizapp.content import compile_sources
from quizapp.content.pack_titles import title_hash
from quizapp.content.store import write_bank
from quizapp.models import Card, Pack, PackTranslation, Question, ReviewLog
from quizapp.packs.service import export
from tests.content.helpers import doc_examples

ZH = {"Accept-Language": "zh-CN"}
SOURCE = ("---\npack: demo\npack_title: Demo networking\ntitle: All types\nlanguage: en\ntags: [pod-ip]\n"
          "sources: [https://kubernetes.io/docs/concepts/services-networking/]\n---\n\n")
STAMP = title_hash("Demo networking")[:12]


def zh_file(text_hash: str, pack_title: str = "演示网络") -> bytes:
    title = f"pack_title: {pack_title}\npack_title_from: {STAMP}\n" if pack_title else ""
    return (f"---\npack: demo\n{title}title: 全部题型\nlanguage: zh-CN\ntranslation_of: en\n---\n\n中文简介。\n\n"
            f"## 默认的 Service 类型 {{#default-service-type}}\n\ntype: single\ntranslated_from: {text_hash[:12]}\n\n"
            "省略 `spec.type` 时，Service 是哪种类型？\n\n### Choices\n\n- [ ] 节点端口（NodePort）\n"
            "- [x] 集群 IP（ClusterIP）\n- [ ] 负载均衡器（LoadBalancer）\n\n### Explanation\n\n`ClusterIP` 是默认类型。\n"
            ).encode()


def build(db, pack_title: str = "演示网络"):
    source = (SOURCE + "\n\n".join(doc_examples()) + "\n").encode()
    question = next(q for q in compile_sources([("demo/all.md", source)]).bank.questions
                    if q.slug == "default-service-type")
    result = compile_sources([("demo/all.md", source), ("demo/zh-CN/all.md", zh_file(question.text_hash, pack_title))])
    assert result.ok, [str(p) for p in result.problems]
    write_bank(db.session, result.bank)
    db.session.commit()
    return result.bank


@pytest.fixture
def bank(db):
    return build(db)


def stored_titles(db) -> list[tuple[str, str, str]]:
    return [tuple(row) for row in db.session.execute(
        select(PackTranslation.language, PackTranslation.title, PackTranslation.translated_from))]


def test_build_stores_the_title_and_a_rebuild_without_it_removes_it(db, bank):
    assert stored_titles(db) == [("zh-CN", "演示网络", STAMP)]
    build(db, pack_title="")
    assert stored_titles(db) == []


def test_the_database_refuses_two_titles_in_one_language_and_an_empty_title(db, bank):
    pack = db.session.scalar(select(Pack).where(Pack.slug == "demo"))
    for row in (PackTranslation(pack_id=pack.id, language="zh-CN", title="另一个", translated_from=STAMP),
                PackTranslation(pack_id=pack.id, language="fr", title="", translated_from=STAMP)):
        db.session.add(row)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_pages_show_the_title_in_the_readers_language(client, db, bank, make_user, login):
    lea = make_user("lea@example.org", language="zh-CN")
    card = db.session.scalar(select(Card.id).join(Question).where(Question.slug == "default-service-type"))
    db.session.add(ReviewLog(user_id=lea.id, card_id=card, reviewed_at=datetime.now(timezone.utc), rating=1,
                             answer={"choice": 0}, correct=False, state_after={}, content_hash="h"))
    db.session.commit()
    login("lea@example.org")
    for path in ("/", "/packs/demo/outline", "/browse"):
        refresh()
        page = client.get(path).get_data(as_text=True)
        assert "演示网络" in page and "Demo networking" not in page, path
    client.post("/language", data={"language": "en", "next": "/"})
    refresh()
    for path in ("/", "/packs/demo/outline", "/browse"):
        page = client.get(path).get_data(as_text=True)
        assert "Demo networking" in page and "演示网络" not in page, path


def test_the_json_api_keeps_the_packs_own_title(client, db, bank, make_user):
    _row, token = create_token(db.session, make_user(language="zh-CN"), "test")
    db.session.commit()
    packs = client.get("/api/v1/packs", headers={"Authorization": f"Bearer {token}", **ZH}).get_json()["packs"]
    assert [p["title"] for p in packs] == ["Demo networking"]


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "qti"])
def test_chinese_exports_name_the_pack_in_chinese(db, bank, fmt):
    pack = db.session.scalar(select(Pack).where(Pack.slug == "demo"))
    zh, en = export(db.session, pack, fmt, "zh-CN"), export(db.session, pack, fmt, None)
    zh_text, en_text = _text(zh.content), _text(en.content)
    assert "演示网络" in zh_text and "Demo networking" not in zh_text
    assert "Demo networking" in en_text and "演示网络" not in en_text
    assert pack.title == "Demo networking"  # the stored pack is untouched


def test_a_chinese_anki_deck_is_named_in_chinese(db, bank, tmp_path):
    pack = db.session.scalar(select(Pack).where(Pack.slug == "demo"))
    assert _deck_names(export(db.session, pack, "apkg", "zh-CN").content, tmp_path) == ["演示网络"]
    assert _deck_names(export(db.session, pack, "apkg", None).content, tmp_path) == ["Demo networking"]


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8")


def _deck_names(data: bytes, tmp_path) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as connection:
        decks = json.loads(connection.execute("SELECT decks FROM col").fetchone()[0])
    return sorted(d["name"] for d in decks.values() if d["name"] != "Default")


def test_the_class_page_quotes_wrong_answers_and_titles_in_the_instructors_language(client, db, bank, make_user,
                                                                                    login):
    teacher = make_user("ines@example.org", role="instructor", language="zh-CN")
    learner = make_user("lea@example.org")
    room = classes.create_class(db.session, teacher, "班级")
    classes.assign_pack(db.session, teacher, room, db.session.scalar(select(Pack.id).where(Pack.slug == "demo")))
    classes.join(db.session, learner, room.join_code)
    card = db.session.scalar(select(Card).join(Question).where(Question.slug == "default-service-type"))
    db.session.add(ReviewLog(user_id=learner.id, card_id=card.id, reviewed_at=datetime.now(timezone.utc), rating=1,
                             answer={"choice": 0}, correct=False, state_after={}, content_hash="h"))
    db.session.commit()
    report = class_progress(db.session, room.id)
    assert [w.text for q in report.questions for w in q.wrong_answers] == ["NodePort"]
    assert [w.text for q in localized_report(db.session, report, "zh-CN").questions for w in q.wrong_answers] \
        == ["节点端口（NodePort）"]
    assert [w.text for q in report.questions for w in q.wrong_answers] == ["NodePort"]  # the shared rows unchanged
    login("ines@example.org")
    page = client.get(f"/classes/{room.id}").get_data(as_text=True)
    assert "节点端口（NodePort）" in page and "演示网络" in page and "Demo networking" not in page


def test_words_for_someone_else_use_their_language(app, db, bank):
    from quizapp.i18n import speaking
    from quizapp.i18n.pack_titles import pack_title

    pack = db.session.scalar(select(Pack).where(Pack.slug == "demo"))
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert pack_title(pack) == "Demo networking"
        with speaking("zh-CN"):  # an e-mail to a recipient who reads zh-CN (the owner invitation)
            assert pack_title(pack) == "演示网络"
        assert pack_title(pack, "zh-CN") == "演示网络"
