"""The `sim` question type: the answer key is computed by the network simulator, for every variant.

A sim question holds a scenario (`### Scenario` with a YAML block, or `scenario: FILE` next to the Markdown),
and a `### Trace` YAML block: `from`, `to`, `ask`, optionally `expect` (the author's key, which the simulator
must confirm) and `vary` (parameters substituted as `${name}` in the scenario, the trace, the prompt and the
explanation). Every variant a learner can ever see is traced at build time, so a wrong key, an invalid variant
or an answer that depends on a load-balancing coin toss is caught before the content is published.
"""
from __future__ import annotations

import html
import itertools
import math
import random
import re
from typing import Any, Callable

import yaml

from quizapp import safeyaml
from quizapp.words import Said, say
from quizapp.checking import normalize_answer
from quizapp.content.qtypes import CompileContext, QuestionType, register
from quizapp.content.sim_command import ASK_LABEL, command_variant
from quizapp.sim import ScenarioError, TraceError, format_trace, load_scenario, said_of, trace

ASKS = {
    "endpoint": "the endpoint that receives the traffic, as IP:port",
    "name": "the name of the Pod, container, node or host that receives it",
    "source_ip": "the source IP address the receiving process sees",
    "delivered": "whether the traffic is delivered (true or false)",
    "outcome": "what happens: delivered, refused, timeout, unreachable or nxdomain",
    "command": ASK_LABEL,  # Docker's verdict on the scenario's last command (.sim_command)
}
OUTCOMES = ("delivered", "refused", "timeout", "unreachable", "nxdomain")
TRACE_KEYS = {"from", "to", "ask", "expect", "vary", "scenario"}
PARAMETER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_VARIANTS = 24
MAX_PARAMETERS = 8
MAX_VALUES = 64  # per parameter
MAX_VALUE_LENGTH = 200
# Load-balanced picks are drawn from a seed; an answer must not depend on it (except the endpoint or name
# asks, which accept every candidate). Tracing with this many seeds shows whether it does.
DETERMINISM_SEEDS = 8

ResourceReader = Callable[[str, str], "bytes | None"]


def substitute(text: str, params: dict[str, Any]) -> str:
    return PARAMETER.sub(lambda m: str(params[m[1]]) if m[1] in params else m[0], text)


def substitute_html(fragment: str, params: dict[str, Any]) -> str:
    return PARAMETER.sub(lambda m: html.escape(str(params[m[1]])) if m[1] in params else m[0], fragment)


def vary_problem(vary: Any) -> Said | None:
    """Why a `vary:` mapping is refused (None: fine): parameters map to non-empty lists of short scalars."""
    if not isinstance(vary, dict) or not all(isinstance(v, list) and v for v in vary.values()):
        return say("`vary:` maps each parameter to a non-empty list of values, e.g. `nodePort: [30080, 31000]`")
    if len(vary) > MAX_PARAMETERS:
        return say("`vary:` has {count} parameters; at most {most}", count=len(vary), most=MAX_PARAMETERS)
    for name, values in vary.items():
        if len(values) > MAX_VALUES:
            return say("`vary: {name}` has {count} values; at most {most}", name=name, count=len(values), most=MAX_VALUES)
        if not all(isinstance(v, (str, int, float, bool)) and len(str(v)) <= MAX_VALUE_LENGTH for v in values):
            return say("`vary: {name}` values must be numbers or text of at most {most} characters", name=name,
                       most=MAX_VALUE_LENGTH)
    return None


def variant_combinations(vary: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the parameters; past MAX_VARIANTS a fixed sample that keeps the first (base) one.
    The sample is drawn by position (mixed-radix, `itertools.product`'s order) without building the product:
    sampling `range(1, total)` picks the same positions as sampling the list of combinations did."""
    names = sorted(vary)
    sizes = [len(vary[n]) for n in names]
    total = math.prod(sizes)
    if total <= MAX_VARIANTS:
        combos = [dict(zip(names, values)) for values in itertools.product(*(vary[n] for n in names))]
        return combos or [{}]
    positions = [0, *random.Random(0).sample(range(1, total), MAX_VARIANTS - 1)]
    combos = []
    for position in positions:
        values = []
        for name, size in zip(reversed(names), reversed(sizes)):  # the last parameter varies fastest
            position, digit = divmod(position, size)
            values.append(vary[name][digit])
        combos.append(dict(zip(names, reversed(values))))
    return combos


def variant_index(data: dict[str, Any], seed: int | None) -> int:
    return (seed or 0) % max(len(data.get("variants", [])), 1)


def variant_for(data: dict[str, Any], seed: int | None) -> dict[str, Any]:
    return data["variants"][variant_index(data, seed)]


def _code_block(ctx: CompileContext, section_name: str) -> tuple[str, int] | None:
    section = ctx.section(section_name)
    if section is None:
        return None
    fences = [t for t in section.tokens if t.type == "fence"]
    if len(fences) != 1:
        ctx.error(section.line, say('`### {title}` must hold exactly one ```yaml code block', title=section_name.title()))
        return None
    return fences[0].content, ctx.line_of(fences[0]) + 1


def _answer_of(ask: str, result: Any) -> Any:
    if ask == "delivered":
        return result.delivered
    if ask == "outcome":
        return "delivered" if result.delivered else result.reason
    if ask == "source_ip":
        return result.source_ip_seen
    return None


def _accepted(ask: str, result: Any) -> list[str]:
    ends = result.candidates or ([result.endpoint] if result.endpoint else [])
    if ask == "endpoint":
        return sorted({f"{e.ip}:{e.port}" for e in ends})
    return sorted({e.name for e in ends})


@register
class SimChecked(QuestionType):
    name = "sim"
    label = "Sim-checked"
    sections = ("trace",)
    optional_sections = ("scenario",)

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        block = _code_block(ctx, "trace")
        if block is None:
            return {"variants": []}
        trace_text, trace_line = block
        try:
            spec = safeyaml.load(trace_text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            ctx.error(trace_line + (mark.line if mark else 0),
                      say('the trace block is not valid YAML: {reason}', reason=getattr(error, 'said', None) or getattr(error, 'problem', error)))
            return {"variants": []}
        if not isinstance(spec, dict):
            ctx.error(trace_line, say('the trace block must be a mapping with `from`, `to` and `ask`'))
            return {"variants": []}
        for key in spec:
            if key not in TRACE_KEYS:
                ctx.error(trace_line, say("unknown trace key '{key}'; known: {choices}", key=key, choices=', '.join(sorted(TRACE_KEYS))))
        ask = spec.get("ask")
        if ask not in ASKS:
            ctx.error(trace_line, say('`ask:` must be one of {choices} (got {ask!r})', choices=', '.join(ASKS), ask=ask))
            return {"variants": []}
        if ask == "command" and ({"from", "to"} & set(spec)):
            ctx.error(trace_line, say("`ask: command` traces no packet: leave out `from:` and `to:` (the command asked about is the scenario's last docker command)"))
            return {"variants": []}
        for key in () if ask == "command" else ("from", "to"):
            if not isinstance(spec.get(key), str):
                ctx.error(trace_line, say('the trace needs `{key}:` as text, e.g. `from: external` and `to: 192.168.1.11:30080` (or a URL: `to: https://shop.example.com/cart`)', key=key))
                return {"variants": []}
        scenario_source = self._scenario_source(ctx, spec, trace_line)
        if scenario_source is None:
            return {"variants": []}
        scenario_text, scenario_path, scenario_line = scenario_source
        vary = spec.get("vary") or {}
        problem = vary_problem(vary)
        if problem is not None:
            ctx.error(trace_line, problem)
            return {"variants": []}
        used = set(PARAMETER.findall(scenario_text + spec.get("from", "") + spec.get("to", "") + str(spec.get("expect", ""))
                                     + ctx.question.prompt_source))
        for name in sorted(used - set(vary)):
            ctx.error(trace_line, say('`${{{name}}}` is used but `vary:` does not define it', name=name))
        variants = []
        for params in variant_combinations(vary):
            variant = self._trace_variant(ctx, spec, ask, params, scenario_text, scenario_path, scenario_line,
                                          trace_line)
            if variant is None:
                break  # one variant's problems are enough; the others would repeat them
            variants.append(variant)
        return {"ask": ask, "ask_label": ASKS[ask], "from": spec.get("from", ""), "to": spec.get("to", ""),
                "parameters": sorted(vary), "variants": variants,
                "scenario_text": scenario_text,  # the packet lab opens it (with a variant's parameters)
                "case_sensitive": False}

    def _scenario_source(self, ctx: CompileContext, spec: dict[str, Any],
                         trace_line: int) -> tuple[str, str, int] | None:
        inline = _code_block(ctx, "scenario")
        file_name = spec.get("scenario")
        if inline is not None and file_name:
            ctx.error(trace_line, say('give the scenario once: either a `### Scenario` block or `scenario: FILE`'))
            return None
        if inline is not None:
            return inline[0], ctx.path, inline[1]
        if not file_name:
            if ctx.section("scenario") is None:
                ctx.error(ctx.question.line, say('has no scenario: add a `### Scenario` section with a ```yaml block, or `scenario: FILE.yaml` in the trace block'))
            return None
        reader = ctx.read_resource
        data = reader(ctx.path, str(file_name)) if reader else None
        if data is None:
            ctx.error(trace_line, say('scenario file {file_name!r} was not found next to {path}', file_name=file_name, path=ctx.path))
            return None
        try:
            return data.decode("utf-8"), _sibling(ctx.path, str(file_name)), 1
        except UnicodeDecodeError:
            ctx.error(trace_line, say('scenario file {file_name!r} is not UTF-8 text; save it as UTF-8', file_name=file_name))
            return None

    def _trace_variant(self, ctx: CompileContext, spec: dict[str, Any], ask: str, params: dict[str, Any],
                       scenario_text: str, scenario_path: str, scenario_line: int,
                       trace_line: int) -> dict[str, Any] | None:
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        where = say(" (variant {label})", label=label) if label else ""
        text = substitute(scenario_text, params)
        try:
            safeyaml.compose_all(text)  # no aliases (a values' substitution could add some), bounded size
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            message = say("scenario{where}: {reason}", where=where, reason=getattr(error, "said", None) or str(getattr(error, "problem", None) or error))
            if scenario_path == ctx.path:
                ctx.error(scenario_line + (mark.line if mark else 0), message)
            else:
                ctx.problems.add(scenario_path, 1 + (mark.line if mark else 0),
                                 say("question '{slug}': {message}", slug=ctx.question.slug, message=message))
            return None
        def report(line_in_text: int, message: Said) -> None:
            line = scenario_line + line_in_text - 1
            if scenario_path == ctx.path:
                ctx.error(line, message)
            else:
                ctx.problems.add(scenario_path, line, say("question '{slug}': {message}", slug=ctx.question.slug, message=message))

        if ask == "command":
            expect = spec.get("expect")
            command_spec = {**spec, "expect": substitute(expect, params)} if isinstance(expect, str) else spec
            return command_variant(ctx, command_spec, params, text, scenario_path, where, trace_line, report)
        try:
            scenario = load_scenario(text, source=scenario_path)
        except ScenarioError as error:
            for problem in error.problems:
                # the simulator's message (document, field path, what is wrong) in the author's language too
                report(problem.line or 1, say("scenario{where}: {problem}", where=where, problem=problem.described()))
            return None
        src, dst = substitute(spec["from"], params), substitute(spec["to"], params)
        try:
            results = [trace(scenario, src, dst, seed=seed) for seed in range(DETERMINISM_SEEDS)]
        except TraceError as error:
            ctx.error(trace_line, say('the trace cannot run{where}: {error}', where=where, error=said_of(error)))
            return None
        first = results[0]
        if ask in ("endpoint", "name"):
            if not first.delivered:
                ctx.error(trace_line, say('`ask: {ask}` but the simulator says the traffic is not delivered{where} ({reason}); ask `outcome` instead', ask=ask, where=where, reason=first.reason))
                return None
            accepted: Any = _accepted(ask, first)
            key_text = " or ".join(accepted)
        else:
            answers = {repr(_answer_of(ask, r)) for r in results}
            if len(answers) > 1:
                ctx.error(trace_line, say('the answer to `ask: {ask}` depends on which endpoint is picked{where} ({choices}); pin it (one endpoint, externalTrafficPolicy, a single replica) or ask for the endpoint', ask=ask, where=where, choices=', '.join(sorted(answers))))
                return None
            accepted = _answer_of(ask, first)
            if ask == "source_ip" and accepted is None:
                ctx.error(trace_line, say('`ask: source_ip` but nothing receives the traffic{where} ({reason}); ask `outcome` instead', where=where, reason=first.reason))
                return None
            key_text = str(accepted).lower() if isinstance(accepted, bool) else str(accepted)
        if "expect" in spec:
            self._compare_expectation(ctx, spec["expect"], ask, accepted, params, where, trace_line)
        return {"params": params, "from": src, "to": dst, "accepted": accepted, "key": key_text,
                "trace": first.to_dict(words=True), "trace_text": format_trace(first)}

    def _compare_expectation(self, ctx: CompileContext, expect: Any, ask: str, accepted: Any,
                             params: dict[str, Any], where: str, trace_line: int) -> None:
        if ask in ("endpoint", "name"):
            given = expect if isinstance(expect, list) else [expect]
            expected = sorted({normalize_answer(substitute(str(e), params)) for e in given})
            agrees = expected == sorted(normalize_answer(a) for a in accepted)
            computed = " or ".join(accepted)
        elif ask == "delivered":
            agrees = isinstance(expect, bool) and expect == accepted
            computed = str(accepted).lower()
        else:
            agrees = normalize_answer(substitute(str(expect), params)) == normalize_answer(str(accepted))
            computed = str(accepted)
        if not agrees:
            ctx.error(trace_line, say('the simulator disagrees with `expect: {expect}`{where}: it computes {computed}; fix the key (or the scenario)', expect=expect, where=where, computed=computed))

    def card_keys(self, data: dict[str, Any]) -> list[str]:
        return ["main"]


def _sibling(markdown_path: str, name: str) -> str:
    import posixpath

    return posixpath.join(posixpath.dirname(markdown_path.replace("\\", "/")), name)
