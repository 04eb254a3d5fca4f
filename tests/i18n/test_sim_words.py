"""The simulator's own words (hop texts, and the errors it refuses a scenario or a trace with) in zh-CN: every hop
text and every error is a message (`say(...)`) with a Chinese translation in the `sim` catalogue, the translations keep their parameters, and a trace renders in Chinese with
addresses and chain names verbatim while the CLI's text and JSON stay English.

When a branch adds a hop text or an error (`ctx.err(path, ...)`, `raise CommandError(...)`, `TraceError`,
`SettingsError`, a `Refuse(...)` reason, an option's reason in a `*_NOT_MODELLED` table) as a plain (f-)string, or a new
`say()` message without a translation, the first test fails and lists each one (`path:line: text`): make it `say("... {param} ...", param=...)`, then
the steps in docs/i18n.md (extract, update, translate, compile).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from quizapp.sim import load_scenario, trace
from quizapp.study.trace import localized_hop
from quizapp.words import Said, render, say
from tests.i18n.words_catalogue import Catalogue, is_plain_text, said_in

ROOT = Path(__file__).resolve().parents[2]
SIM = ROOT / "quizapp" / "sim"
SCENARIOS = ROOT / "tests" / "sim" / "scenarios"
# the tracer's methods that record a hop's text, and which argument is the text
HOP_CALLS = {"hop": 1, "_refuse": 1, "_ipvs_mark": 2, "_docker_masq": 3, "_http_hop": 1}
# the calls that report a scenario problem or raise an error, and which argument is the message (err/e/warn: a
# document's Ctx.err and the parsers' callbacks; Refuse/Warn: the field tables' reasons)
ERROR_CALLS = {"err": 1, "e": 1, "warn": 1, "problem": 1, "Problem": 3, "CommandError": 0, "SettingsError": 1,
               "TraceError": 0, "PortSpecError": 0, "ScenarioError": 0, "DockerRefusal": 0, "Refuse": 0, "Warn": 0}


def plain_hop_texts() -> list[str]:
    """Each hop recorded with a plain or f-string text instead of a message: `path:line: text`."""
    found = []
    for path in sorted(SIM.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HOP_CALLS
                    and len(node.args) > HOP_CALLS[node.func.attr]):
                continue
            text = node.args[HOP_CALLS[node.func.attr]]
            if isinstance(text, (ast.JoinedStr, ast.Constant, ast.BinOp)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(text)[:100]}")
    return found


def plain_error_texts() -> list[str]:
    """Each scenario problem or error raised with a plain or f-string message instead of a message:
    `path:line: text`; and each option table (`*_NOT_MODELLED`) whose reason is plain text."""
    found = []
    for path in sorted(SIM.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name in ERROR_CALLS and len(node.args) > ERROR_CALLS[name]:
                    text = node.args[ERROR_CALLS[name]]
                    if is_plain_text(text):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(text)[:100]}")
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                    isinstance(t, ast.Name) and t.id.endswith(("NOT_MODELLED", "DEFAULT_TRUE")) for t in node.targets):
                found += [f"{path.relative_to(ROOT)}:{v.lineno}: {v.value[:100]}" for v in node.value.values
                          if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return found


def test_every_hop_text_and_error_is_a_message_with_a_chinese_translation():
    catalogue = Catalogue("sim")
    untranslated = [f"{where}: {msgid!r}" for where, msgid in said_in(SIM) if not catalogue.translated(msgid)]
    problems = ([f"not a message (use say()): {item}" for item in plain_hop_texts() + plain_error_texts()]
                + [f"no zh-CN translation in sim.po: {item}" for item in untranslated])
    assert not problems, ("hop texts and errors shown in English to Chinese learners and authors (see docs/i18n.md, "
                          "'The simulator's words'):\n" + "\n".join(problems))


def test_the_check_sees_the_errors():
    """The error check looks at the calls the simulator reports problems with (a renamed helper would hide them)."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in SIM.rglob("*.py"))
    for call in ("ctx.err(", "raise CommandError(say(", "raise TraceError(say(", "raise SettingsError(",
                 "Refuse(say("):
        assert call in sources, call
    said = {msgid for _where, msgid in said_in(SIM)}
    assert len(said) > 600  # hop texts (about 280) and errors (about 440)
    # pybabel does not extract a say() nested in another say()'s arguments: such a message is never translated
    written = {(path.relative_to(ROOT), node.lineno, node.args[0].value) for path in SIM.rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say"
               and node.args and isinstance(node.args[0], ast.Constant)}
    assert not [item for item in written if item[2] not in said], "say() that extraction misses (nested?)"
    assert "{command}: option --{name} is not modelled by the simulator ({why}); remove it - ignoring it would " \
           "give an answer that is not what Docker does" in said


def test_sim_translations_keep_their_parameters_and_are_compiled():
    catalogue = Catalogue("sim")
    assert not catalogue.parameter_mismatches(), catalogue.parameter_mismatches()
    assert catalogue.compiled_is_current(), "sim.mo is out of date: pybabel compile -D sim -d quizapp/translations"


def test_a_trace_reads_in_chinese_with_addresses_verbatim_and_stays_english_for_the_cli():
    scenario = load_scenario((SCENARIOS / "k8s-basic.yaml").read_text())
    result = trace(scenario, "pod/client", "web:80", seed=0)
    plain = result.to_dict()
    assert all("words" not in hop for hop in plain["hops"])  # the CLI's --json and the API: English only
    hops = result.to_dict(words=True)["hops"]
    assert all("words" in hop for hop in hops)
    chinese = [localized_hop(hop, "zh-CN") for hop in hops]
    english = [localized_hop(hop, "en") for hop in hops]
    assert [(h["where"], h["what"]) for h in english] == [(h["where"], h["what"]) for h in plain["hops"]]
    assert any("收到" in h["what"] or "查询" in h["what"] for h in chinese)
    for zh, en in zip(chinese, plain["hops"]):
        for token in en["what"].split():
            if token[0].isdigit() and "." in token:  # addresses (10.96.0.10:80, 10.244.1.5) stay as they are
                assert token.strip("(),;:") in zh["what"], (token, zh["what"])
        if en.get("change"):
            assert zh["change"] == en["change"]


def test_a_message_without_translation_falls_back_to_english():
    hop = {"where": "node/a eth0", "what": "x",
           "words": {"what": say("a brand new hop text for {ip}", ip="10.0.0.1").to_dict()}}
    assert localized_hop(hop, "zh-CN")["what"] == "a brand new hop text for 10.0.0.1"
    nested = say("{what}; {answer}", what=say("no container of {pod} listens on {dport}/{proto}", pod="pod/web",
                                                dport=80, proto="tcp"),
                 answer=say("the kernel answers with a TCP RST"))
    assert str(nested) == "no container of pod/web listens on 80/tcp; the kernel answers with a TCP RST"
    assert render(nested.to_dict(), "zh-CN", "sim") == "pod/web 中没有容器在 80/tcp 上监听；内核以 TCP RST 应答"
    assert render("verbatim", "zh-CN", "sim") == "verbatim"
    assert isinstance(say("x"), Said)


@pytest.mark.parametrize("template", ["{n} of {total}", "{probability:.5f}"])
def test_format_specs_and_parameters_survive_a_round_trip(template):
    said = say(template, n=1, total=3, probability=0.5)
    assert render(said.to_dict(), "zh-CN", "sim") == str(said)


def test_the_feedback_drawing_follows_the_request_language(app):
    from quizapp.study.trace import render_trace

    scenario = load_scenario((SCENARIOS / "k8s-basic.yaml").read_text())
    stored = trace(scenario, "pod/client", "web:80", seed=0).to_dict(words=True)  # as sim questions store it
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        chinese = str(render_trace(stored))
    with app.test_request_context("/"):
        english = str(render_trace(stored))
    assert "收到" in chinese and "投递到" in chinese and "数据包追踪" in chinese
    assert "receives" not in chinese and "delivered to" not in chinese
    assert "receives" in english and "收到" not in english
