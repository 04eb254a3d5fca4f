"""Comparing a scenario before and after an edit: the text diff, and the two traces with differing hops marked."""
from __future__ import annotations

import difflib
from typing import Any

from quizapp.study.trace import outcome_hop


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(css class, line) of a unified diff: `add`, `del`, `at` (a hunk header) or `same`."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), "shared", "yours", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "at"}.get(line[:1], "same")
        lines.append((kind, line))
    return lines


def _key(hop: dict[str, Any]) -> tuple[str, str, str]:
    return (str(hop.get("where", "")), str(hop.get("what", "")), repr(hop.get("change")))


def marked_hops(trace: dict[str, Any], other: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """`trace`'s hops and outcome, each hop that the other trace does not have at the same step marked
    (`verdict: differs`, drawn highlighted); and how many differ."""
    mine = [dict(hop) for hop in trace.get("hops", [])]
    theirs = [dict(hop) for hop in other.get("hops", [])]
    final, other_final = outcome_hop(trace), outcome_hop(other)
    differing = 0
    for index, hop in enumerate(mine):
        if index >= len(theirs) or _key(hop) != _key(theirs[index]):
            hop["verdict"] = "differs"
            differing += 1
    if final is not None:
        if other_final is None or (final["where"], final["what"]) != (other_final["where"], other_final["what"]):
            final["verdict"] = f"{final['verdict']} differs"
            differing += 1
        mine.append(final)
    return mine, differing


def numbered(text: str, problem_lines: set[int], context: int = 3) -> list[tuple[int, str, bool]]:
    """(line number, text, has a problem) for the lines around each problem line: the edited text as the error
    listing shows it (a gap between windows is a line number of 0)."""
    lines = text.splitlines()
    keep = sorted({n for line in problem_lines for n in range(line - context, line + context + 1)
                   if 1 <= n <= len(lines)})
    listing: list[tuple[int, str, bool]] = []
    for number in keep:
        if listing and number != listing[-1][0] + 1:
            listing.append((0, "", False))
        listing.append((number, lines[number - 1], number in problem_lines))
    return listing
