"""Account, password-reset and card-browser pages in Chinese; the reset e-mail in the language of its request."""
from __future__ import annotations

import pytest

from tests.mailbox import body_of

ZH = {"Accept-Language": "zh-CN"}


# One language per test: the test app keeps one app context, where Flask-Babel caches the request's locale.
@pytest.mark.parametrize("language, subject, words", [
    ("zh-CN", "重置你的 quizapp 密码", "请在一小时内打开这个链接"),
    ("en", "Reset your quizapp password", "open this link within an hour")])
def test_reset_mail_follows_the_language_of_the_request(client, make_user, mailbox, language, subject, words):
    make_user()
    client.post("/password/forgot", data={"email": "ada@example.org"}, headers={"Accept-Language": language})
    [(to, message)] = mailbox.messages  # through a real SMTP server (tests/mailbox.py)
    body = body_of(message)
    assert to == ["ada@example.org"] and message["Subject"] == subject and words in body
    assert "/password/reset/" in body


def test_forgot_and_reset_pages_in_chinese(client):
    assert "忘记密码？" in client.get("/password/forgot", headers=ZH).get_data(as_text=True)
    forged = client.get("/password/reset/abc.def.ghi", headers=ZH).get_data(as_text=True)
    assert "这个重置链接无效" in forged and "申请新链接" in forged


def test_account_and_browser_in_chinese(client, make_user, login):
    make_user()
    login()
    account = client.get("/account", headers=ZH).get_data(as_text=True)
    assert "学习设置" in account and "API 令牌" in account and "Study settings" not in account
    browse = client.get("/browse?lapses=<b>x", headers=ZH).get_data(as_text=True)
    assert "你的卡片" in browse and "所有题库包" in browse and "Your cards" not in browse
    assert "不是整数" in browse and "<b>x" not in browse  # the echoed input stays escaped
