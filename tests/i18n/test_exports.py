"""Exports in a language chosen at export time: the translated words, the source's key."""
from __future__ import annotations

from tests.i18n.test_language import bank  # noqa: F401  (the demo pack with a zh-CN translation)


def test_gift_export_in_chinese_carries_the_translation_and_the_same_key(runner, bank, tmp_path):  # noqa: F811
    english, chinese = tmp_path / "en.gift", tmp_path / "zh.gift"
    assert runner.invoke(args=["pack", "export", "--format", "gift", "-o", str(english), "demo"]).exit_code == 0
    result = runner.invoke(args=["pack", "export", "--format", "gift", "--language", "zh-CN", "-o", str(chinese),
                                 "demo"])
    assert result.exit_code == 0, result.output
    zh, en = chinese.read_text(encoding="utf-8"), english.read_text(encoding="utf-8")
    assert "省略" in zh and "省略" not in en
    assert "=ClusterIP" in zh.replace(" ", "") and "~NodePort" in zh.replace(" ", "")  # the same right choice
    # untranslated questions stay in the pack's language
    assert "containerPort" in zh


def test_export_to_a_language_without_translations_is_refused(runner, bank, tmp_path):  # noqa: F811
    result = runner.invoke(args=["pack", "export", "--format", "gift", "--language", "fr", "-o",
                                 str(tmp_path / "fr.gift"), "demo"])
    assert result.exit_code != 0 and "has no fr translation; translated to: zh-CN" in result.output
