"""The learner's language: chosen by account, switcher or browser; content shown translated; one history."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from quizapp.content import compile_sources
from quizapp.content.store import write_bank
from quizapp.models import Card, CardState, Question, QuestionTranslation, User
from tests.content.helpers import doc_examples, pack_file

ZH_FRONT = "---\npack: demo\ntitle: 全部题型\nlanguage: zh-CN\ntranslation_of: en\n---\n\n中文简介。\n\n"


def zh_single(text_hash: str) -> str:
    return (f"## 默认的 Service 类型 {{#default-service-type}}\n\ntype: single\ntranslated_from: {text_hash[:12]}\n\n"
            "省略 `spec.type` 时，Service 是哪种类型？\n\n### Choices\n\n- [ ] NodePort\n- [x] ClusterIP\n"
            "- [ ] LoadBalancer\n\n### Explanation\n\n`ClusterIP` 是默认类型。\n")


@pytest.fixture
def bank(db):
    source = pack_file("All types", *doc_examples())
    first = compile_sources([("demo/all.md", source)])
    question = next(q for q in first.bank.questions if q.slug == "default-service-type")
    result = compile_sources([("demo/all.md", source),
                              ("demo/zh-CN/all.md", (ZH_FRONT + zh_single(question.text_hash)).encode())])
    assert result.ok, [str(p) for p in result.problems]
    write_bank(db.session, result.bank)
    db.session.commit()
    return result.bank


def card_of(db, slug: str) -> int:
    return db.session.scalar(select(Card.id).join(Question).where(Question.slug == slug))


def test_build_stores_translations_and_rebuild_removes_them(db, bank):
    rows = db.session.scalars(select(QuestionTranslation)).all()
    assert [(r.language, r.title) for r in rows] == [("zh-CN", "默认的 Service 类型")]
    only_source = compile_sources([("demo/all.md", pack_file("All types", *doc_examples()))])
    write_bank(db.session, only_source.bank)
    db.session.commit()
    assert db.session.scalars(select(QuestionTranslation)).all() == []


def test_accept_language_picks_chinese_for_visitors_and_english_otherwise(client, bank):
    zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh and "English" in zh  # the switcher offers the other language
    en = client.get("/", headers={"Accept-Language": "fr-FR,de;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in en and "简体中文" in en


def test_translated_question_is_shown_and_graded_in_chinese(client, db, bank):
    card = card_of(db, "default-service-type")
    page = client.get(f"/packs/demo/study?card={card}&seed=1",
                      headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "省略" in page and "默认的 Service 类型" in page
    english = client.get(f"/packs/demo/study?card={card}&seed=1",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "omitted" in english and "省略" not in english


def test_switcher_stores_the_choice_on_the_account_and_keeps_due_cards(client, db, bank, make_user, login):
    user = make_user()
    login()
    card = card_of(db, "default-service-type")
    page = client.get(f"/packs/demo/study?card={card}&seed=0").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]*)"', page)
    form = {"card": card, "seed": 0, "choice": 1}
    if version:
        form["version"] = version[1]
    answered = client.post("/packs/demo/study", data=form)
    assert answered.status_code in (302, 303)
    state = db.session.scalar(select(CardState).where(CardState.user_id == user.id, CardState.card_id == card))
    due_before = state.due

    switched = client.post("/language", data={"language": "zh-CN", "next": "/"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/")
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "zh-CN"
    zh = client.get(f"/packs/demo/study?card={card}&seed=0", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "省略" in zh  # the account's choice wins over the browser's
    state = db.session.scalar(select(CardState).where(CardState.user_id == user.id, CardState.card_id == card))
    assert state.due == due_before  # one history: the card's schedule is the question's, not the language's

    client.post("/language", data={"language": "en", "next": "https://evil.example/"})
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "en"
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_switcher_never_redirects_off_site(client, bank):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post("/language", data={"language": "zh-CN", "next": target})
        assert response.headers["Location"] in ("/", "http://localhost/")


def test_the_interface_speaks_chinese(client, bank):
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "学习容器网络" in page and "登录" in page and "Study container networking" not in page
