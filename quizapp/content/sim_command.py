"""`ask: command` sim questions: does Docker accept a command line, or refuse it, and in which words?

The command asked about is the last line of the scenario's last DockerHost document with commands (so the packet
lab, opening the scenario, shows the same refusal on the same line). The simulator runs the whole scenario:

* it loads: the key is ``accepted``;
* that one line is refused with a :class:`~quizapp.sim.docker.flags.DockerRefusal` (a refusal the real engine
  makes; the problem carries Docker's words): the key is ``refused`` and the variant keeps Docker's message,
  verbatim, for the feedback and the exports;
* that line is refused for a reason of the simulator's own (what it does not model, a malformed line): the
  build fails - the simulator does not know what Docker does, so it cannot be a question's key;
* anything else in the scenario is refused: the build fails with the simulator's problems, as for any sim
  question.

`expect:` is `accepted`, or Docker's message or a distinctive part of it (compared without case and with runs of
white space as one): a refusal for another reason than the author meant fails the build too.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import yaml

from quizapp import safeyaml
from quizapp.content.qtypes import CompileContext
from quizapp.sim import Problem, ScenarioError, load_scenario
from quizapp.words import Said, say

VERDICTS = ("accepted", "refused")
ASK_LABEL = "whether Docker accepts the command: accepted or refused"

Report = Callable[[int, Said], None]  # (line in the scenario text, message): where a scenario problem goes


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def asked_command(text: str) -> tuple[int, int, str] | None:
    """(1-based document, command index, command line) of the last command of the last DockerHost with
    commands, or None."""
    try:
        documents = safeyaml.load_all(text)
    except yaml.YAMLError:
        return None
    found = None
    for number, doc in enumerate(documents, 1):
        if not isinstance(doc, dict) or doc.get("kind") != "DockerHost":
            continue
        commands = (doc.get("spec") or {}).get("commands") if isinstance(doc.get("spec"), dict) else None
        if isinstance(commands, list) and commands and isinstance(commands[-1], str):
            found = (number, len(commands) - 1, commands[-1])
    return found


def command_variant(ctx: CompileContext, spec: dict[str, Any], params: dict[str, Any], text: str,
                    scenario_path: str, where: Said | str, trace_line: int,
                    report: Report) -> dict[str, Any] | None:
    """The variant of an `ask: command` question (None after reporting why there is none)."""
    asked = asked_command(text)
    if asked is None:
        ctx.error(trace_line, say("`ask: command` asks about the last command of a DockerHost document: the scenario{where} has no DockerHost with commands", where=where))
        return None
    document, index, command = asked
    path = f"spec.commands[{index}]"
    docker: str | None = None
    try:
        load_scenario(text, source=scenario_path)
    except ScenarioError as error:
        at_command = [p for p in error.problems if p.document == document and p.path == path]
        others = [p for p in error.problems if p not in at_command]
        for problem in others:
            report(problem.line or 1, say("scenario{where}: {problem}", where=where, problem=problem.described()))
        if others:
            return None
        refusal: Problem = at_command[0]
        if refusal.docker is None:
            ctx.error(trace_line, say("`ask: command`{where}: the simulator refuses `{command}` for a reason of its own, not as Docker does ({problem}); it does not know what Docker does, so this cannot be a question's key: ask about a command the simulator models", where=where, command=command, problem=refusal.said or refusal.message))
            return None
        docker = refusal.docker
    verdict = "accepted" if docker is None else "refused"
    if "expect" in spec:
        expect = spec["expect"]
        wanted = _words(expect) if isinstance(expect, str) else ""
        if not wanted:
            ctx.error(trace_line, say("`ask: command` takes `expect: accepted` or Docker's message (or a distinctive part of it)"))
            return None
        agrees = docker is None if wanted == "accepted" else (docker is not None and wanted in _words(docker))
        if not agrees:
            computed = say("Docker accepts it") if docker is None else say("Docker refuses it: {docker}", docker=docker)
            ctx.error(trace_line, say("the simulator disagrees with `expect: {expect}`{where}: {computed}; fix the key (or the scenario)", expect=expect, where=where, computed=computed))
    trace_text = f"$ {command}\n" + (docker or "(accepted)")
    return {"params": params, "from": "", "to": "", "accepted": verdict, "key": verdict, "command": command,
            "docker": docker or "", "trace": None, "trace_text": trace_text}
