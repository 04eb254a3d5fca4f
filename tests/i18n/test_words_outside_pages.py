"""Words that are not the templates': library texts (werkzeug's error names, Flask-Limiter's limit, the input
guard's refusals) on pages in the request's language and in the site's layout; words made outside a request or for
someone else (`content build`, `pack publish`, e-mails) in the author's pack language or the recipient's saved
language; the card browser's titles in the learner's language where a translation exists."""
from __future__ import annotations

from pathlib import Path

from flask_babel import refresh
from sqlalchemy import select

from quizapp.content.compiler import compile_sources
from quizapp.content.store import write_bank
from quizapp.models import Card, Question
from tests.mailbox import body_of

ZH = {"Accept-Language": "zh-CN"}
SOURCE = """---
pack: lianxi
title: Ports
language: en
---

Ports intro.

## Who allocates a pod IP {#who-allocates}

type: single
source: https://kubernetes.io/docs/concepts/services-networking/

Which component picks a new pod's IP address?

### Choices

- [x] The CNI plugin's IPAM
- [ ] kube-proxy

### Explanation

The CNI plugin.
"""
TRANSLATION = """---
pack: lianxi
title: 端口
language: zh-CN
translation_of: en
---

端口简介。

## 谁来分配 Pod 的 IP {#who-allocates}

type: single
translated_from: 16d206479223
source: https://kubernetes.io/zh-cn/docs/concepts/services-networking/

新 Pod 的 IP 地址由哪个组件选定？

### Choices

- [x] CNI 插件的 IPAM
- [ ] kube-proxy

### Explanation

CNI 插件。
"""


def get(client, path, headers=ZH, **kwargs):
    refresh()  # the tests share one app context, where Flask-Babel caches the first request's translations
    return (client.post if "data" in kwargs else client.get)(path, headers=headers, **kwargs)


def test_error_pages_in_chinese_in_the_site_layout(client, make_user, login):
    missing = get(client, "/no/such/page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "404 · 页面不存在" in page and "Not Found" not in page
    assert 'class="language-switch"' in page and "登录" in page  # the site's header, menu and language switch
    wrong = get(client, "/healthz", data={})
    assert wrong.status_code == 405 and "405 · 不允许的请求方法" in wrong.get_data(as_text=True)
    big = get(client, "/login", data={"email": "x" * 300_000})
    assert big.status_code == 413 and "请求体超过" in big.get_data(as_text=True)
    english = get(client, "/no/such/page", headers={})
    assert "404 · Not Found" in english.get_data(as_text=True)
    api = get(client, "/api/v1/no-such-thing")  # the JSON API stays English
    assert api.get_json()["error"]["code"] == "not_found" and "nothing here" in api.get_json()["error"]["message"]


def test_a_500_whose_layout_cannot_be_drawn_shows_the_bare_page(app, client, monkeypatch):
    import quizapp.errors as errors

    @app.get("/boom-in-chinese")
    def boom():
        raise RuntimeError("the view failed")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    drawn = errors.render_template

    def layout_fails(template, **context):
        if template == "errors/error.html":
            raise RuntimeError("the menu needs the database, which went away too")
        return drawn(template, **context)

    monkeypatch.setattr(errors, "render_template", layout_fails)
    response = get(client, "/boom-in-chinese")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "500 · 服务器内部错误" in page
    assert 'data-page="error"' in page and "language-switch" not in page  # the bare page, still in Chinese


def test_the_rate_limiters_429_names_its_limit_in_chinese(client, app, db, make_user, login):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 1 minute"
    for _ in range(2):
        get(client, "/login", data={"email": "nobody@example.org", "password": "wrong"})
    refused = get(client, "/login", data={"email": "nobody@example.org", "password": "wrong"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "429 · 请求过多" in page
    assert "限额：每 1 分钟 2 次。" in page and "per 1 minute" not in page


def test_reset_mail_in_the_language_the_account_saved(client, make_user, mailbox):
    make_user(language="zh-CN")
    client.post("/password/forgot", data={"email": "ada@example.org"}, headers={"Accept-Language": "en"})
    [(_to, message)] = mailbox.messages
    assert message["Subject"] == "重置你的 quizapp 密码" and "请在一小时内打开这个链接" in body_of(message)


def test_mails_to_an_existing_account_use_its_saved_language(client, db, make_user, mailbox):
    """The "address taken" mail and an owner invitation go out in the recipient's language, not the sender's."""
    make_user("lin@example.org", language="zh-CN")
    client.post("/signup", data={"email": "lin@example.org", "display_name": "X", "password": "s3cret-pass-long",
                                 "confirm": "s3cret-pass-long"}, headers={"Accept-Language": "en"})
    [(_to, taken)] = mailbox.messages
    assert taken["Subject"] == "有人尝试用你的邮箱地址注册"
    from quizapp.packs import publishing

    owner = make_user("ines@example.org", role="instructor")
    spec = next(iter(compile_sources([("a.md", SOURCE.encode())]).bank.packs.values()))
    publishing.publish_spec(db.session, owner, spec, source="upload")
    db.session.commit()
    client.post("/login", data={"email": "ines@example.org", "password": "correct horse"})
    for email in ("lin@example.org", "nobody@example.org"):
        get(client, "/instructor/packs/lianxi/owners", headers={"Accept-Language": "en"}, data={"email": email})
    invited = {to[0]: message for to, message in mailbox.messages[1:]}
    assert invited["lin@example.org"]["Subject"] == "Ines 邀请你共同拥有一个 quizapp 题库包"
    assert invited["nobody@example.org"]["Subject"] == "Ines invites you to co-own a quizapp pack"  # the sender's


def write_pack(tmp_path: Path, language: str) -> Path:
    folder = tmp_path / "pack"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(SOURCE.replace("language: en", f"language: {language}"), encoding="utf-8")
    return folder


def test_content_build_speaks_the_pack_language(runner, db, make_user, tmp_path):
    from quizapp.packs import publishing

    owner = make_user("ines@example.org", role="instructor")
    spec = next(iter(compile_sources([("a.md", SOURCE.encode())]).bank.packs.values()))
    publishing.publish_spec(db.session, owner, spec, source="upload")
    db.session.commit()
    result = runner.invoke(args=["content", "build", str(write_pack(tmp_path, "zh-CN"))])
    assert result.exit_code == 1
    assert "a.md:1: 包 id 'lianxi' 已属于一位教师（ines@example.org）" in result.output


def test_pack_publish_speaks_the_pack_language(runner, db, make_user, tmp_path):
    from quizapp.packs import publishing

    owner = make_user("ines@example.org", role="instructor")
    make_user("omar@example.org", role="instructor")
    spec = next(iter(compile_sources([("a.md", SOURCE.encode())]).bank.packs.values()))
    publishing.publish_spec(db.session, owner, spec, source="upload")
    db.session.commit()
    folder = write_pack(tmp_path, "zh-CN")
    result = runner.invoke(args=["pack", "publish", "--owner", "omar@example.org", str(folder)])
    assert result.exit_code == 1 and "已属于另一位教师" in result.output, result.output
    english = runner.invoke(args=["pack", "publish", "--owner", "omar@example.org",
                                  str(write_pack(tmp_path / "en", "en"))])
    assert "already belongs to another instructor" in english.output


def test_the_card_browser_shows_translated_titles(client, db, make_user, login):
    result = compile_sources([("ports.md", SOURCE.encode()), ("zh-CN/ports.md", TRANSLATION.encode())])
    assert result.ok, result.problem_texts()
    write_bank(db.session, result.bank)
    db.session.commit()
    make_user(language="zh-CN")
    login()
    listing = get(client, "/browse", headers={}).get_data(as_text=True)
    assert "谁来分配 Pod 的 IP" in listing and "Who allocates a pod IP" not in listing
    assert "端口" in listing  # the topic filter's title
    card = db.session.scalar(select(Card.id).join(Question).where(Question.slug == "who-allocates"))
    page = get(client, f"/browse/cards/{card}", headers={}).get_data(as_text=True)
    assert "<h1>谁来分配 Pod 的 IP</h1>" in page and "Who allocates" not in page
    reset = get(client, f"/browse/cards/{card}/reset", headers={}).get_data(as_text=True)
    assert "谁来分配 Pod 的 IP" in reset


def test_the_log_in_prompt_flask_login_flashes_is_in_chinese(client):
    page = get(client, "/stats")
    refresh()
    login = client.get("/login?next=/stats", headers=ZH).get_data(as_text=True)
    assert page.status_code == 302 and "登录后即可按自己的节奏学习。" in login


def test_a_study_refusal_is_flashed_in_chinese_and_the_api_says_it_in_english(client, db, make_user, login):
    from quizapp.auth.service import create_token

    user = make_user(language="zh-CN")
    login()
    refused = get(client, "/study/undo", headers={}, data={}, follow_redirects=True)
    assert "没有可撤销的作答" in refused.get_data(as_text=True)
    _row, token = create_token(db.session, user, "test")
    db.session.commit()
    api = get(client, "/api/v1/undo", data={}, headers={"Authorization": f"Bearer {token}", **ZH})
    assert api.status_code == 409 and api.get_json()["error"]["message"] == "there is no answer to undo"


def test_the_stats_charts_have_distinct_ids_in_chinese(client, make_user, login):
    import re

    make_user(language="zh-CN")
    login()
    page = get(client, "/stats", headers={}).get_data(as_text=True)
    ids = re.findall(r'<title id="([^"]+)"', page)
    assert len(ids) >= 2 and len(set(ids)) == len(ids), ids


def test_the_class_page_shows_translated_titles_to_a_chinese_instructor(client, db, make_user, login):
    from quizapp.classes import service
    from quizapp.models import Pack

    result = compile_sources([("ports.md", SOURCE.encode()), ("zh-CN/ports.md", TRANSLATION.encode())])
    write_bank(db.session, result.bank)
    teacher = make_user("ines@example.org", role="instructor", language="zh-CN")
    learner = make_user("lea@example.org")
    room = service.create_class(db.session, teacher, "Networking 101")
    service.assign_pack(db.session, teacher, room, db.session.scalar(select(Pack.id).where(Pack.slug == "lianxi")))
    service.join(db.session, learner, room.join_code)
    db.session.commit()
    login("lea@example.org")
    card = db.session.scalar(select(Card.id).join(Question).where(Question.slug == "who-allocates"))
    assert get(client, "/packs/lianxi/study", headers={}, data={"card": card, "choice": "1"}).status_code == 302
    client.post("/logout")
    login("ines@example.org")
    page = get(client, f"/classes/{room.id}", headers={}).get_data(as_text=True)
    assert "谁来分配 Pod 的 IP" in page and "Who allocates a pod IP" not in page
    assert "端口" in page and "单选题" in page  # the topic column and the question type, in Chinese
