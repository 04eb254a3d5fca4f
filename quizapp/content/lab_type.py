"""The `lab` question type ("make it work"): the learner edits a scenario until the goal traces hold.

Sections: `### Scenario` (the starting YAML), `### Goal` (YAML: `goals:` and `allow:`), `### Solution` (the
author's reference scenario) and `### Explanation`. Compiling proves the lab solvable: the solution meets every
goal and changes only allowed paths, and the starting scenario does not meet them all. Grading is
`quizapp.lab.grading.grade`.
"""
from __future__ import annotations

from typing import Any

import yaml

from quizapp.words import Said, from_dict, say
from quizapp.content.qtypes import CompileContext, QuestionType, register
from quizapp.content.sim_type import _code_block
from quizapp.lab.grading import OUTCOMES, check_goals, changes_outside, goal_label
from quizapp.sim import ScenarioError, load_scenario

GOAL_KEYS = {"from", "to", "outcome", "endpoint", "source_ip"}


def _yaml_block(ctx: CompileContext, name: str) -> tuple[Any, str, int] | None:
    block = _code_block(ctx, name)
    if block is None:
        if ctx.section(name) is None:
            ctx.error(ctx.question.line, say('a lab question needs a `### {title}` section with a ```yaml block', title=name.title()))
        return None
    text, line = block
    try:
        return yaml.safe_load(text) if name == "goal" else None, text, line
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        ctx.error(line + (mark.line if mark else 0), say('the {name} block is not valid YAML: {error}', name=name, error=error))
        return None


def _parse_goals(ctx: CompileContext, spec: Any, line: int) -> list[dict[str, Any]]:
    goals = spec.get("goals") if isinstance(spec, dict) else None
    if not isinstance(goals, list) or not goals:
        ctx.error(line, say('`goals:` must list at least one goal: `- {{from: external, to: 192.168.1.11:30080, outcome: delivered}}`'))
        return []
    parsed = []
    for index, goal in enumerate(goals):
        where = say("goal {number}", number=index + 1)
        if not isinstance(goal, dict) or not isinstance(goal.get("from"), str) or not isinstance(goal.get("to"), str):
            ctx.error(line, say('{where}: needs `from:` and `to:` as text', where=where))
            continue
        unknown = set(goal) - GOAL_KEYS
        if unknown:
            ctx.error(line, say('{where}: unknown key(s) {unknown}; known: {known}', where=where, unknown=', '.join(sorted(unknown)), known=', '.join(sorted(GOAL_KEYS))))
        outcome = goal.get("outcome", "delivered")
        if outcome not in OUTCOMES:
            ctx.error(line, say('{where}: `outcome:` must be one of {choices}', where=where, choices=', '.join(OUTCOMES)))
            continue
        endpoint = goal.get("endpoint")
        endpoints = [str(e) for e in (endpoint if isinstance(endpoint, list) else [endpoint] if endpoint else [])]
        parsed.append({"from": goal["from"], "to": str(goal["to"]), "outcome": outcome, "endpoint": endpoints,
                       "source_ip": str(goal["source_ip"]) if goal.get("source_ip") else None})
    return parsed


def _parse_allow(ctx: CompileContext, spec: Any, line: int) -> list[dict[str, str]]:
    allow = spec.get("allow") if isinstance(spec, dict) else None
    if not isinstance(allow, list) or not allow or not all(isinstance(a, str) and a.strip() for a in allow):
        ctx.error(line, say('`allow:` must list what the learner may change, e.g. `- Service/web spec.ports` or `- DockerHost/h1 spec.commands[1]` (a document alone allows all of it)'))
        return []
    rules = []
    for item in allow:
        document, _, path = item.strip().partition(" ")
        if document.count("/") not in (1, 2):
            ctx.error(line, say('allowed path {item!r}: start with the document as Kind/name or Kind/namespace/name', item=item))
            continue
        rules.append({"document": document, "path": path.strip()})
    return rules


def _load(ctx: CompileContext, text: str, line: int, what: Said) -> Any:
    try:
        return load_scenario(text, source=ctx.path)
    except ScenarioError as error:
        for problem in error.problems:
            ctx.error(line + (problem.line or 1) - 1, say('{what}: {problem}', what=what, problem=problem.described()))
        return None


@register
class Lab(QuestionType):
    name = "lab"
    label = "Make it work (lab)"
    sections = ("scenario", "goal", "solution")

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        blocks = [_yaml_block(ctx, name) for name in ("scenario", "goal", "solution")]
        if any(block is None for block in blocks):
            return {}
        (_, start_text, start_line), (spec, _, goal_line), (_, solution_text, solution_line) = blocks
        goals, allow = _parse_goals(ctx, spec, goal_line), _parse_allow(ctx, spec, goal_line)
        start = _load(ctx, start_text, start_line, say("starting scenario"))
        solution = _load(ctx, solution_text, solution_line, say("solution"))
        if not goals or not allow or start is None or solution is None:
            return {}
        start_report = check_goals(start, goals)
        solution_report = check_goals(solution, goals)
        for goal in solution_report:
            if not goal["met"]:
                ctx.error(solution_line, say('the solution does not meet the goal `{label}`: the simulator says {got}; fix the solution or the goal', label=goal['label'], got=from_dict(goal.get('got_words')) or goal['got']))
        if all(goal["met"] for goal in start_report):
            ctx.error(start_line, say('the starting scenario already meets every goal: there is nothing to fix'))
        for change in changes_outside(list(start.documents), list(solution.documents), allow):
            ctx.error(solution_line, say('the solution changes {change}, which `allow:` does not permit', change=change))
        return {"scenario_text": start_text, "solution_text": solution_text, "goals": goals, "allow": allow,
                "goal_labels": [goal_label(goal) for goal in goals],
                "allow_labels": [f"{rule['document']} {rule['path']}".strip() for rule in allow],
                "start": [{"label": g["label"], "got": g["got"], "text": g["text"]} for g in start_report]}

    def card_keys(self, data: dict[str, Any]) -> list[str]:
        return ["main"]
