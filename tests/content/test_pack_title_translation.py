"""A pack's title in another language: a translation file's `pack_title:` with `pack_title_from:` (the source
title's hash), checked like question translations: one title per language, stale when the source title changed."""
from __future__ import annotations

from quizapp.content import compile_sources
from quizapp.content.pack_titles import title_hash, title_status
from quizapp.content.translation import translation_warnings
from tests.content.helpers import single

SOURCE_FRONT = ("---\npack: demo\npack_title: {title}\ntitle: Services\nlanguage: en\n"
                "sources: [https://kubernetes.io/docs/concepts/services-networking/]\n---\n\n")
STAMP = title_hash("Demo networking")[:12]


def zh_file(pack_lines: str, pack: str = "demo") -> bytes:
    return (f"---\npack: {pack}\n{pack_lines}title: 服务\nlanguage: zh-CN\ntranslation_of: en\n---\n\n中文简介。\n").encode()


def compile_with(*translations: tuple[str, bytes], source_title: str = "Demo networking"):
    source = (SOURCE_FRONT.format(title=source_title) + single("default-type")).encode()
    other = (SOURCE_FRONT.format(title=source_title).replace("title: Services", "title: Ports")
             + single("other-type")).encode()
    return compile_sources([("demo/services.md", source), ("demo/ports.md", other), *translations])


def messages(result) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_a_translated_pack_title_is_compiled_with_its_place():
    result = compile_with(("demo/zh-CN/services.md", zh_file(f"pack_title: 演示网络\npack_title_from: {STAMP}\n")),
                          ("demo/zh-CN/ports.md", zh_file(f"pack_title: 演示网络\npack_title_from: {STAMP}\n")))
    assert result.ok, messages(result)
    pack = result.bank.packs["demo"]
    entry = pack.translations.titles["zh-CN"]
    assert (entry.title, entry.translated_from, entry.source_path, entry.source_line) == \
        ("演示网络", STAMP, "demo/zh-CN/services.md", 3)
    assert title_status(pack, "zh-CN") == "translated"
    assert not [w for w in translation_warnings(result.bank) if "title" in w.message]


def test_a_title_without_its_stamp_is_refused_with_the_value_to_write():
    result = compile_with(("demo/zh-CN/services.md", zh_file("pack_title: 演示网络\n")))
    assert any(m.startswith("demo/zh-CN/services.md:3:") and f"needs `pack_title_from: {STAMP}`" in m
               for m in messages(result)), messages(result)
    stamp_alone = compile_with(("demo/zh-CN/services.md", zh_file(f"pack_title_from: {STAMP}\n")))
    assert any("`pack_title_from:` without `pack_title:`" in m for m in messages(stamp_alone))


def test_two_different_titles_for_one_language_are_refused():
    result = compile_with(("demo/zh-CN/services.md", zh_file(f"pack_title: 演示网络\npack_title_from: {STAMP}\n")),
                          ("demo/zh-CN/ports.md", zh_file(f"pack_title: 示例网络\npack_title_from: {STAMP}\n")))
    assert any(m.startswith("demo/zh-CN/ports.md:3:") and "pack_title '示例网络' differs from '演示网络' given at "
               "demo/zh-CN/services.md:3; a pack has one title in zh-CN" in m for m in messages(result)), \
        messages(result)


def test_a_title_for_a_pack_that_does_not_exist_is_refused():
    result = compile_with(("demo/zh-CN/services.md",
                           zh_file(f"pack_title: 演示网络\npack_title_from: {STAMP}\n", pack="nowhere")))
    assert any("translates pack 'nowhere', which no source file defines" in m for m in messages(result))


def test_a_stamp_in_a_source_file_is_refused():
    source = (SOURCE_FRONT.format(title="Demo networking").replace("language: en\n", f"language: en\npack_title_from: {STAMP}\n")
              + single("default-type")).encode()
    result = compile_sources([("demo/services.md", source)])
    assert any("`pack_title_from:` belongs in a translation file" in m for m in messages(result))


def test_a_title_whose_source_title_changed_is_stale_but_used():
    result = compile_with(("demo/zh-CN/services.md", zh_file(f"pack_title: 演示网络\npack_title_from: {STAMP}\n")),
                          source_title="Demo Services")
    assert result.ok, messages(result)
    pack = result.bank.packs["demo"]
    assert pack.translations.titles["zh-CN"].title == "演示网络" and title_status(pack, "zh-CN") == "stale"
    new = title_hash("Demo Services")[:12]
    stale = [str(w) for w in translation_warnings(result.bank) if "title is stale" in w.message]
    assert stale == [f"demo/zh-CN/services.md:3: warning: pack 'demo': the zh-CN title is stale: the source title is "
                     f"now 'Demo Services' (`pack_title_from: {STAMP}`); update the title, then set "
                     f"`pack_title_from: {new}`"]
    zh = [w.render("zh-CN") for w in translation_warnings(result.bank) if "title is stale" in w.message]
    assert "zh-CN 标题已过时：源标题现在是 'Demo Services'" in zh[0]
    assert zh[0].startswith("demo/zh-CN/services.md:3: 警告：")  # the word "warning" too, not only the text


def test_a_translated_pack_without_a_title_is_warned_about():
    result = compile_with(("demo/zh-CN/services.md", zh_file("")))
    assert result.ok, messages(result)
    missing = [str(w) for w in translation_warnings(result.bank) if "has no zh-CN title" in w.message]
    assert missing == [f"demo/zh-CN/services.md:2: warning: pack 'demo' has no zh-CN title: zh-CN learners see "
                       f"'Demo networking' (add `pack_title:` and `pack_title_from: {STAMP}` to a translation file's "
                       "front matter)"]
    assert title_status(result.bank.packs["demo"], "zh-CN") == "missing"


def test_check_reports_the_title_on_the_coverage_line(runner, tmp_path):
    folder = tmp_path / "demo"
    (folder / "zh-CN").mkdir(parents=True)
    (folder / "services.md").write_text(SOURCE_FRONT.format(title="Demo networking") + single("default-type"))
    (folder / "zh-CN" / "services.md").write_bytes(zh_file(f"pack_title: 演示网络\npack_title_from: {STAMP}\n"))
    result = runner.invoke(args=["content", "check", str(folder)])
    assert "demo zh-CN: 0 of 1 questions translated, 0 stale" in result.output
    assert "pack title: translated" in result.output
