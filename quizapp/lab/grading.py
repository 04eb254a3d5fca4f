"""Grading a "make it work" lab answer: every goal trace holds, and nothing outside the allowed paths changed.

Pure (simulator + PyYAML): the content compiler uses it to prove each lab solvable, and the answer checker
runs it in the sandbox on the learner's text.

A goal: ``{"from", "to", "outcome", "endpoint": [..] or None, "source_ip": str or None}``; it holds when, for
each of GOAL_SEEDS load-balancing seeds, the trace's outcome is ``outcome`` (delivered, refused, timeout,
unreachable, nxdomain), the receiver is one of ``endpoint`` (``kind/name`` such as ``pod/web-1``, or
``IP:port``) and the receiving process sees ``source_ip``.

An allowed path: ``{"document": "Service/web" (Kind/name or Kind/namespace/name), "path": "spec.ports"}``;
the empty path allows the whole document (changing, adding or removing it). Every changed value of the
answer must lie under an allowed path.
"""
from __future__ import annotations

from typing import Any, Iterator

import yaml

from quizapp.safeyaml import UnsafeYAML, check_yaml
from quizapp.sim import ScenarioError, TraceError, cannot_trace, format_trace, load_scenario, not_yaml, trace
from quizapp.words import Said

GOAL_SEEDS = 4
OUTCOMES = ("delivered", "refused", "timeout", "unreachable", "nxdomain")


def document_key(document: Any) -> str:
    """`Kind/name`, or `Kind/namespace/name` outside the default namespace."""
    if not isinstance(document, dict):
        return "?"
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    namespace = metadata.get("namespace") or "default"
    name = metadata.get("name", "?")
    kind = document.get("kind", "?")
    return f"{kind}/{name}" if namespace == "default" else f"{kind}/{namespace}/{name}"


def _changes(before: Any, after: Any, path: str) -> Iterator[str]:
    """The paths where two parsed YAML values differ (a changed scalar, an added or removed key or item)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            child = f"{path}.{key}" if path else str(key)
            if key not in before or key not in after:
                yield child
            else:
                yield from _changes(before[key], after[key], child)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            child = f"{path}[{index}]"
            if index >= len(before) or index >= len(after):
                yield child
            else:
                yield from _changes(before[index], after[index], child)
    elif before != after or type(before) is not type(after):
        yield path


def _allowed(document: str, path: str, allow: list[dict[str, str]]) -> bool:
    for rule in allow:
        if rule["document"] != document:
            continue
        prefix = rule["path"]
        if not prefix or path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return True
    return False


def changes_outside(start: list[Any], answer: list[Any], allow: list[dict[str, str]]) -> list[str]:
    """Every change of `answer` against `start` that no allowed path covers, as `Kind/name: path`."""
    before = {document_key(d): d for d in start if d is not None}
    after = {document_key(d): d for d in answer if d is not None}
    outside = []
    for key in sorted(set(before) | set(after)):
        if key not in after or key not in before:
            if not _allowed(key, "", allow):
                outside.append(f"{key}: {'removed' if key not in after else 'added'}")
            continue
        for path in _changes(before[key], after[key], ""):
            if not _allowed(key, path, allow):
                outside.append(f"{key}: {path or '(the whole document)'}")
    return outside


def goal_label(goal: dict[str, Any]) -> str:
    text = f"{goal['from']} -> {goal['to']}: {goal['outcome']}"
    if goal.get("endpoint"):
        text += " to " + " or ".join(goal["endpoint"])
    if goal.get("source_ip"):
        text += f", the process sees source {goal['source_ip']}"
    return text


def _observed(result: Any) -> str:
    if not result.delivered:
        return result.reason or "not delivered"
    e = result.endpoint
    return f"delivered to {e.kind}/{e.name} at {e.ip}:{e.port}, source {result.source_ip_seen}"


def _holds(goal: dict[str, Any], result: Any) -> bool:
    outcome = "delivered" if result.delivered else result.reason
    if outcome != goal["outcome"]:
        return False
    if goal.get("endpoint"):
        e = result.endpoint
        if e is None or not ({f"{e.kind}/{e.name}", f"{e.ip}:{e.port}"} & set(goal["endpoint"])):
            return False
    return not goal.get("source_ip") or result.source_ip_seen == goal["source_ip"]


def check_goals(scenario: Any, goals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per goal: label, met, what happened (the first seed that misses it, else seed 0) and its trace."""
    report = []
    for goal in goals:
        shown = None
        met = True
        try:
            for seed in range(GOAL_SEEDS):
                result = trace(scenario, goal["from"], goal["to"], seed=seed)
                if shown is None:
                    shown = result
                if not _holds(goal, result):
                    met, shown = False, result
                    break
        except TraceError as error:
            said = cannot_trace(error)
            report.append({"label": goal_label(goal), "met": False, "got": str(said), "got_words": said.to_dict(),
                           "trace": None, "text": ""})
            continue
        report.append({"label": goal_label(goal), "met": met, "got": _observed(shown),
                       "trace": shown.to_dict(words=True), "text": format_trace(shown)})
    return report


def grade(start_text: str, goals: list[dict[str, Any]], allow: list[dict[str, str]], text: str) -> dict[str, Any]:
    """The verdict on an answer: correct, problems [(line, message)], outside [...], goals [...]."""
    verdict: dict[str, Any] = {"correct": False, "problems": [], "outside": [], "goals": []}
    try:
        check_yaml(text)
        scenario = load_scenario(text, source="answer.yaml")
    except UnsafeYAML as error:
        verdict["problems"] = [(error.line, error.message)]
        verdict["problem_words"] = [error.said.to_dict() if error.said is not None else None]
        return verdict
    except ScenarioError as error:
        said = [p.described() for p in error.problems]
        verdict["problems"] = [(p.line, str(message)) for p, message in zip(error.problems, said)]
        verdict["problem_words"] = [m.to_dict() if isinstance(m, Said) else None for m in said]
        return verdict
    except yaml.YAMLError as error:
        verdict["problems"] = [(None, str(not_yaml(error)))]
        verdict["problem_words"] = [not_yaml(error).to_dict()]
        return verdict
    start = [d for d in yaml.safe_load_all(start_text)]
    verdict["outside"] = changes_outside(start, list(scenario.documents), allow)
    verdict["goals"] = check_goals(scenario, goals)
    verdict["correct"] = not verdict["outside"] and all(goal["met"] for goal in verdict["goals"])
    return verdict
