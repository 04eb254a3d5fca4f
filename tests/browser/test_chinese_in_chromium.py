"""A Chinese learner in a real browser: a zh-CN chromium signs up, studies in Chinese, switches to English with the
header's switcher and finds the same cards due (one history across languages). Screenshot: study-zh.png."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from quizapp.content import compile_sources
from tests.browser.test_study_in_chromium import (SCREENSHOTS, browser, confirm_and_log_in, inbox,  # noqa: F401
                                                  serve)
from tests.conftest import FIXTURE_PACK

pytestmark = pytest.mark.browser

ZH_PORTS = """---
pack: fixture-pack
title: 端口
language: zh-CN
translation_of: en
---

## 默认的 Service 类型 {{#default-service-type}}

type: single
translated_from: {default-service-type}

省略 `spec.type` 时，Service 是哪种类型？

### Choices

- [ ] NodePort
- [x] ClusterIP
- [ ] LoadBalancer

### Explanation

`ClusterIP` 是默认的 Service 类型。

## NodePort Service 还会得到什么 {{#nodeport-also-gets}}

type: multiple
translated_from: {nodeport-also-gets}

`NodePort` 类型的 Service 还有……（选出所有正确项）

### Choices

- [x] 一个集群 IP
- [x] 每个节点 IP 上打开的一个端口
- [ ] 云服务商分配的一个公网 IP

### Explanation

NodePort 建立在 ClusterIP 之上。

## containerPort 会打开端口 {{#containerport-opens-port}}

type: truefalse
translated_from: {containerport-opens-port}

在 `containerPort` 中不声明某个端口，进程就不能在这个端口上监听。

### Answer

false

### Explanation

`containerPort` 只是说明性的。

## 内置 DNS 服务器 {{#docker-embedded-dns-address}}

type: short
translated_from: {docker-embedded-dns-address}

Docker 的内置 DNS 服务器在哪个地址上应答？

### Answer

- 127.0.0.11

### Explanation

用户自定义网络上的容器使用 `127.0.0.11`。
"""


def translated_fixture_pack() -> dict[str, str]:
    result = compile_sources(sorted((name, text.encode()) for name, text in FIXTURE_PACK.items()))
    hashes = {question.slug: question.text_hash[:12] for question in result.bank.questions}
    return {**FIXTURE_PACK, "zh-CN/ports.md": ZH_PORTS.format(**hashes)}


@pytest.fixture
def zh_server(tmp_path: Path, inbox) -> Iterator[str]:
    with serve(tmp_path, translated_fixture_pack(), inbox=inbox) as url:
        yield url


def due_line(page) -> str:
    return " ".join(page.locator(".due-line").first.inner_text().split())


def test_a_chinese_browser_studies_in_chinese_and_keeps_its_cards_in_english(zh_server, inbox, browser):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(zh_server + "/signup")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "创建你的账户"
    page.keyboard.type("lin@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("林")
    page.keyboard.press("Tab")
    page.keyboard.type("a long passphrase")
    page.keyboard.press("Tab")
    page.keyboard.type("a long passphrase")
    with page.expect_navigation():  # the POST's redirect: read the heading of the page it leads to
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "请查收邮件"
    assert inbox.last_to("lin@example.org")["Subject"] == "确认你的 quizapp 账户"  # in the browser's language
    confirm_and_log_in(page, inbox, "lin@example.org", "a long passphrase")
    page.wait_for_selector("text=你好，林")

    # study the translated topic in Chinese: ports.md's four questions, a focus session on that topic
    studied = []
    page.goto(zh_server + "/packs/fixture-pack/study?focus=topic:ports")
    for _ in range(4):
        page.wait_for_selector("form.answer")
        title = page.locator(".card-prompt h1").inner_text()
        qtype = page.locator(".card-prompt .qtype").get_attribute("data-qtype")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title), title  # a Chinese title
        if qtype == "single" and not studied:
            page.screenshot(path=str(SCREENSHOTS / "study-zh.png"), full_page=True)
        if qtype == "short":
            page.locator("input[name=text]").fill("127.0.0.11")
        elif qtype == "truefalse":
            page.locator("input[name=value][value=false]").check()
        else:
            page.locator("form.answer input[type=radio], form.answer input[type=checkbox]").first.check()
        with page.expect_navigation():
            page.locator("button.check").click()
        page.wait_for_selector("section.feedback")
        assert page.locator("section.feedback h2").inner_text() in ("答对了", "不太对")
        assert page.locator("section.explanation h2").inner_text() == "解析"
        assert "端口" in page.locator(".focus-banner").inner_text()  # the topic in its translated title
        studied.append(title)
        next_title = page.locator("#next-question").get_attribute("data-title")  # the next question, carried
        page.locator("a.next").click()  # shown in place, without a request
        page.wait_for_selector("form.answer")
        assert page.title() == next_title and any("\u4e00" <= ch <= "\u9fff" for ch in next_title), next_title
    assert len(set(studied)) == 4

    page.goto(zh_server + "/")
    chinese_due = due_line(page)
    assert "学习中" in chinese_due

    # the header's switcher: English from now on, for this account
    page.locator("form.language-switch button[value=en]").click()
    page.wait_for_selector("text=Hello, 林")
    assert page.locator("html").get_attribute("lang") == "en"
    english_due = due_line(page)
    numbers = [part for part in chinese_due.split() if part.isdigit()]
    assert numbers and numbers == [part for part in english_due.split() if part.isdigit()], (chinese_due, english_due)

    # the same cards, now in English: the first learning card of the topic is shown in English
    page.goto(zh_server + "/packs/fixture-pack/study?focus=topic:ports")
    page.wait_for_selector("form.answer, section.done")
    if page.locator("form.answer").count():
        title = page.locator(".card-prompt h1").inner_text()
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in title), title
    context.close()
