"""The compiler's messages in the author's language: every problem the compiler reports is a message (`say(...)`)
with a Chinese translation in the `compiler` catalogue; `quizapp content check` prints a pack written in zh-CN
(front matter `language: zh-CN`) in Chinese, still `path:line: message`, and `--language` chooses."""
from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

from quizapp.content.cli import content_cli
from quizapp.content.compiler import compile_sources
from tests.i18n.words_catalogue import Catalogue, is_plain_text, said_in

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "quizapp" / "content"
# the compiler's ways of reporting a problem, and which argument is the message
PROBLEM_CALLS = {"add": 2, "error": 1}

BROKEN = """---
pack: lianxi
title: 练习
language: {language}
---

## 第一题 {{#first}}

type: single
source: https://kubernetes.io/zh-cn/docs/concepts/services-networking/service/

谁分配 Pod 的 IP？

### Choices

- [ ] kube-proxy
- [ ] kubelet

### Explanation

CNI 插件。
"""


def plain_problem_messages() -> list[str]:
    found = []
    for path in sorted(CONTENT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in PROBLEM_CALLS and len(node.args) == PROBLEM_CALLS[node.func.attr] + 1):
                message = node.args[-1]
                if is_plain_text(message):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(message)[:100]}")
    return found


def test_every_compiler_message_is_a_message_with_a_chinese_translation():
    catalogue = Catalogue("compiler")
    said = said_in(CONTENT)
    assert len(said) > 100
    problems = ([f"not a message (use say()): {item}" for item in plain_problem_messages()]
                + [f"no zh-CN translation in compiler.po: {where}: {msgid!r}" for where, msgid in said
                   if not catalogue.translated(msgid)])
    assert not problems, "compiler messages an author writing in Chinese reads in English:\n" + "\n".join(problems)


def test_compiler_translations_keep_their_parameters_and_are_compiled():
    catalogue = Catalogue("compiler")
    assert not catalogue.parameter_mismatches(), catalogue.parameter_mismatches()
    assert catalogue.compiled_is_current(), "compiler.mo is out of date: pybabel compile -D compiler -d quizapp/translations"


def write_pack(tmp_path: Path, language: str) -> Path:
    path = tmp_path / "lianxi.md"
    path.write_text(BROKEN.format(language=language), encoding="utf-8")
    return path


def test_content_check_speaks_the_language_the_pack_is_written_in(tmp_path):
    path = write_pack(tmp_path, "zh-CN")
    result = CliRunner().invoke(content_cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:14: 问题 'first'：单选题需要恰好一个标记为 [x] 的选项，却找到 0 个" in result.output
    assert "1 problem(s)" in result.output  # the summary line is the CLI's own (English)
    english = CliRunner().invoke(content_cli, ["check", "--language", "en", str(path)])
    assert f"{path}:14: question 'first': single-choice question needs exactly one choice marked [x], found 0" \
           in english.output


def test_an_english_pack_is_checked_in_english_unless_asked(tmp_path):
    path = write_pack(tmp_path, "en")
    result = CliRunner().invoke(content_cli, ["check", str(path)])
    assert "question 'first': single-choice question needs exactly one choice marked [x], found 0" in result.output
    chinese = CliRunner().invoke(content_cli, ["check", "--language", "zh-CN", str(path)])
    assert "问题 'first'：单选题需要恰好一个标记为 [x] 的选项" in chinese.output


def test_problems_keep_english_text_and_render_on_demand():
    result = compile_sources([("zh.md", BROKEN.format(language="zh-CN").encode())])
    problem = result.problems[0]
    assert str(problem).startswith("zh.md:14: question 'first': single-choice")  # unchanged for every caller
    assert result.problem_texts()[0].startswith("zh.md:14: 问题 'first'：单选题")
    assert result.problem_texts("en")[0] == str(problem)
    assert result.problem_texts(default="zh-CN") == result.problem_texts()
