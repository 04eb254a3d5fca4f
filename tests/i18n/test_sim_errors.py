"""The simulator's errors in the reader's language: a scenario refused (a field it does not know, a Docker option it
does not model) or a trace it cannot run is said as a message, so the lab's pages and the JSON API answer a zh-CN
request in Chinese, `content check` on a pack written in zh-CN prints the simulator's reasons in Chinese with their
file:line, and English readers (and `str()`, the CLI, the logs) read exactly what they read before. Field paths,
option names and addresses stay verbatim in every language."""
from __future__ import annotations

import pickle

from click.testing import CliRunner

from quizapp.content.cli import content_cli
from quizapp.lab.grading import grade
from quizapp.lab.tracing import LabInputError, load_checked, run_trace
from quizapp.sim import ScenarioError, TraceError, error_text, load_scenario, trace
from quizapp.words import render
from tests.api.test_api_trace import headers  # noqa: F401  (fixture)
from tests.api.test_api_v1 import check
from tests.lab.helpers import SCENARIO, write_sim_pack

DOCKER_HOST = """---
kind: DockerHost
metadata: {name: h1}
spec:
  ip: 192.168.1.20
  commands:
    - docker network create app
    - docker run -d --name web --network app --sysctl net.ipv4.ip_forward=1 nginx
"""
BAD = SCENARIO.replace("nodePort: 30080", "nodePort: 80") + DOCKER_HOST
# --sysctl: namespaced kernel settings, refused on purpose (RUN_NOT_MODELLED)
REFUSED_EN = ("docker run: option --sysctl is not modelled by the simulator (namespaced kernel settings); remove it - "
              "ignoring it would give an answer that is not what Docker does")
REFUSED_ZH = ("docker run：模拟器不模拟选项 --sysctl（按命名空间隔离的内核参数）；请删除它——忽略它会得到与 Docker 实际行为不符"
              "的答案")
NODEPORT_ZH = "无效值：80：所给端口不在有效范围内。有效端口范围是 30000-32767"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_refused_scenario_is_english_as_text_and_chinese_when_rendered():
    try:
        load_scenario(BAD, source="bad.yaml")
    except ScenarioError as error:
        refused = error
    english = str(refused).splitlines()
    docker_line = line_of(BAD, "--sysctl")
    assert f"bad.yaml:{docker_line}: document 4, spec.commands[1]: {REFUSED_EN}" in english
    assert refused.text("en").splitlines() == english
    chinese = refused.text("zh-CN").splitlines()
    assert f"bad.yaml:{docker_line}: 文档 4，spec.commands[1]：{REFUSED_ZH}" in chinese
    assert any(NODEPORT_ZH in line and "spec.ports[0].nodePort" in line for line in chinese), chinese
    problem = refused.problems[-1]
    assert problem.message == REFUSED_EN  # the English text, as every caller read it
    assert render(problem.said.to_dict(), "zh-CN", "sim") == REFUSED_ZH  # stored form renders too


def test_a_trace_error_keeps_its_english_and_renders_in_chinese():
    scenario = load_scenario(SCENARIO)
    try:
        trace(scenario, "pod/nobody", "web:80")
    except TraceError as error:
        refused = error
    assert str(refused) == "--from pod/nobody: no Pod 'nobody' in namespace 'default'"
    assert error_text(refused, "zh-CN") == "--from pod/nobody：名字空间 'default' 中没有 Pod 'nobody'"
    assert error_text(refused, "en") == str(refused)


def test_the_lab_carries_the_messages_across_the_sandbox():
    try:
        run_trace(SCENARIO, "pod/nobody", "web:80")
    except LabInputError as error:
        refused = pickle.loads(pickle.dumps(error))  # as the sandbox sends it back
    assert refused.problems == [(None, "cannot trace pod/nobody -> web:80: --from pod/nobody: no Pod 'nobody' in "
                                       "namespace 'default'")]
    assert refused.localized("zh-CN") == [(None, "无法追踪 pod/nobody -> web:80：--from pod/nobody：名字空间 "
                                                 "'default' 中没有 Pod 'nobody'")]
    try:
        load_checked(BAD)
    except LabInputError as error:
        assert (line_of(BAD, "--sysctl"), f"document 4, spec.commands[1]: {REFUSED_EN}") in error.problems
        assert (line_of(BAD, "--sysctl"), f"文档 4，spec.commands[1]：{REFUSED_ZH}") in error.localized("zh-CN")


def test_the_lab_page_explains_a_bad_request_in_the_readers_language(client, db):
    question = write_sim_pack(db.session)
    url = f"/lab/q{question.id}?from=pod/nobody&to=web:80"
    chinese = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "无法追踪 pod/nobody -&gt; web:80：--from pod/nobody：名字空间 &#39;default&#39; 中没有 Pod" in chinese
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "cannot trace pod/nobody -&gt; web:80: --from pod/nobody: no Pod &#39;nobody&#39; in namespace" in english
    assert "无法追踪" not in english


def test_an_edited_scenario_is_refused_in_chinese_with_its_lines(client, db, make_user, login):
    question = write_sim_pack(db.session)
    make_user(language="zh-CN")
    login()
    form = {"scenario": BAD, "from": "external", "to": "192.168.1.11:30080", "seed": "0", "action": "trace"}
    page = client.post(f"/lab/q{question.id}/edit", data=form).get_data(as_text=True)
    docker_line = line_of(BAD, "--sysctl")
    assert f'<a href="#line-{docker_line}">第 {docker_line} 行</a>：文档 4，spec.commands[1]：' in page
    assert "模拟器不模拟选项 --sysctl（按命名空间隔离的内核参数）" in page
    assert NODEPORT_ZH in page
    assert "is not modelled by the simulator" not in page


def test_the_api_answers_in_the_requests_language(client, headers):  # noqa: F811
    request = {"scenario": BAD, "from": "external", "to": "192.168.1.11:30080"}
    docker_line = line_of(BAD, "--sysctl")
    english = check(client.post("/api/v1/trace", headers=headers, json=request), "/trace", "post", 400)["error"]
    assert english["code"] == "invalid_scenario" and english["path"] == "$.scenario"
    assert f"line {docker_line}: document 4, spec.commands[1]: {REFUSED_EN}" in english["message"].splitlines()
    chinese = check(client.post("/api/v1/trace", headers={**headers, "Accept-Language": "zh-CN,zh;q=0.9"},
                                json=request), "/trace", "post", 400)["error"]
    assert f"第 {docker_line} 行：文档 4，spec.commands[1]：{REFUSED_ZH}" in chinese["message"].splitlines()
    assert chinese["code"] == "invalid_scenario"  # codes and paths are the API's, in every language
    traced = check(client.post("/api/v1/trace", headers={**headers, "Accept-Language": "zh-CN"}, json={
        "scenario": SCENARIO, "from": "pod/nobody", "to": "web:80"}), "/trace", "post", 400)["error"]
    assert traced["message"].startswith("无法追踪 pod/nobody -> web:80：--from pod/nobody：")


def test_a_lab_answer_the_simulator_refuses_is_explained_in_chinese():
    verdict = grade(SCENARIO, [{"from": "external", "to": "192.168.1.11:30080", "outcome": "delivered"}], [], BAD)
    docker_line = line_of(BAD, "--sysctl")
    assert (docker_line, f"document 4, spec.commands[1]: {REFUSED_EN}") in verdict["problems"]
    index = verdict["problems"].index((docker_line, f"document 4, spec.commands[1]: {REFUSED_EN}"))
    assert render(verdict["problem_words"][index], "zh-CN", "sim") == f"文档 4，spec.commands[1]：{REFUSED_ZH}"


PACK = """---
pack: lianxi
title: 练习
language: {language}
---

## 发布端口 {{#published}}

type: sim
source: https://docs.docker.com/engine/network/

容器 web 能被访问吗？

### Scenario

```yaml
{scenario}```

### Trace

```yaml
from: host/h1
to: web:80
ask: outcome
expect: delivered
```

### Explanation

不能：模拟器拒绝这个场景。
"""


def test_a_pack_in_chinese_gets_the_simulators_reasons_in_chinese(tmp_path):
    path = tmp_path / "lianxi.md"
    text = PACK.format(language="zh-CN", scenario=DOCKER_HOST.lstrip("-\n"))
    path.write_text(text, encoding="utf-8")
    line = line_of(text, "--sysctl")
    chinese = CliRunner().invoke(content_cli, ["check", str(path)])
    assert chinese.exit_code == 1
    assert (f"{path}:{line}: 问题 'published'：场景：文档 1，spec.commands[1]：{REFUSED_ZH}"
            in chinese.output.splitlines()), chinese.output
    english = CliRunner().invoke(content_cli, ["check", "--language", "en", str(path)])
    assert (f"{path}:{line}: question 'published': scenario: document 1, spec.commands[1]: {REFUSED_EN}"
            in english.output.splitlines()), english.output
    path.write_text(PACK.format(language="en", scenario=DOCKER_HOST.lstrip("-\n")), encoding="utf-8")
    plain = CliRunner().invoke(content_cli, ["check", str(path)])
    assert plain.output == english.output  # an English pack reads as it always did


def test_the_scenarios_warnings_reach_the_lab_in_chinese(app):
    from quizapp.i18n import sim_text
    from quizapp.lab.tracing import describe

    pending = SCENARIO + DOCKER_HOST.replace("--sysctl net.ipv4.ip_forward=1 ", "").replace(
        "--network app nginx", "--network app -p 8080:80 --network-alias x nginx").replace(
        "docker network create app", "docker network create --internal app")
    inv = describe(pending)
    english = "host/h1: web: every network of the container is --internal: its published ports are not set up"
    assert english in inv["warnings"]
    words = inv["warning_words"][inv["warnings"].index(english)]
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert sim_text(english, words) == "host/h1：web：该容器的每个网络都是 --internal：它发布的端口不会被设置"
    with app.test_request_context("/"):
        assert sim_text(english, words) == english
    warnings = load_scenario(pending).warnings
    copied = pickle.loads(pickle.dumps(warnings))  # the messages survive a copy
    assert copied == warnings and copied.said == warnings.said and len(copied.said) == len(copied)


def test_the_yaml_limits_are_messages_with_chinese_translations():
    """quizapp/safeyaml.py's refusals (the `yaml` catalogue) reach the lab, the API and the compiler in Chinese."""
    import ast
    from pathlib import Path

    from babel.messages.extract import extract_from_file

    from tests.i18n.words_catalogue import Catalogue

    source = Path(__file__).resolve().parents[2] / "quizapp" / "safeyaml.py"
    catalogue = Catalogue("yaml")
    said = [message for _line, message, _comments, _context in extract_from_file("python", str(source),
                                                                                   keywords={"say": None})]
    assert len(said) >= 7 and all(catalogue.translated(m) for m in said), [m for m in said if not catalogue.translated(m)]
    plain = [node.lineno for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UnsafeYAML" and node.args
             and (isinstance(node.args[0], ast.JoinedStr) or isinstance(node.args[0], ast.Constant))]
    assert not plain, f"UnsafeYAML raised with a plain string at lines {plain}: use say() (docs/i18n.md)"
    assert not catalogue.parameter_mismatches(), catalogue.parameter_mismatches()
    try:
        load_checked("a: &x 1\nb: *x\n")
    except LabInputError as error:
        refused = pickle.loads(pickle.dumps(error))
    assert refused.problems == [(1, "an anchor (&x) is not accepted here; write the value out where it is used")]
    assert refused.localized("zh-CN") == [(1, "这里不接受锚点（&x）；请在用到它的地方把值写出来")]


def test_the_api_refuses_an_alias_in_chinese(client, headers):  # noqa: F811
    body = check(client.post("/api/v1/trace", headers={**headers, "Accept-Language": "zh-CN"}, json={
        "scenario": "a: &x 1\nb: *x\n", "from": "external", "to": "1.2.3.4:80"}), "/trace", "post", 400)
    assert body["error"]["message"] == "第 1 行：这里不接受锚点（&x）；请在用到它的地方把值写出来"


def test_the_labs_limits_are_explained_in_the_readers_language(app):
    from quizapp.lab.service import limit_text
    from quizapp.sandbox import Limits, SandboxLimitExceeded

    from flask_babel import refresh

    for kind in ("time", "memory"):
        error = SandboxLimitExceeded(kind, Limits())
        with app.test_request_context("/"):
            refresh()  # Flask-Babel keeps the translations it loaded in the app context the test shares
            assert str(limit_text(error)) == str(error)  # English as before
        with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
            refresh()
            chinese = str(limit_text(error))  # lazy: worded in this request's language
        assert ("秒" if kind == "time" else "MB 的内存") in chinese and "实验室" in chinese, chinese
