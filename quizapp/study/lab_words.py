"""A lab question's goals and what the simulator observed, in the reader's language.

The lab's grading runs in the sandbox and is pure: it stores each goal's label and what happened as English text
(`quizapp.lab.grading.goal_label`, `_observed`), which the JSON API and the compiler's messages keep. The study,
feedback and preview pages word them again here from the goal itself (`from`, `to`, `outcome`, `endpoint`,
`source_ip`); addresses and object names stay as they are. A label that no longer matches its goal (a verdict
stored before the question changed) is shown as it was stored.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from quizapp.i18n import outcome_label
from quizapp.lab.grading import goal_label

# quizapp.lab.grading._observed's wording of a delivered packet
OBSERVED = re.compile(r"^delivered to (?P<endpoint>\S+) at (?P<address>\S+), source (?P<source>\S+)$")


def goal_text(goal: Any, stored: str | None = None) -> str:
    """`goal` (a dict of the question's `goals`) in the page's language; `stored`: the label a verdict kept."""
    if not isinstance(goal, dict) or not {"from", "to", "outcome"} <= goal.keys():
        return stored or ""
    if stored is not None and stored != goal_label(goal):
        return stored
    route = f"{goal['from']} -> {goal['to']}"
    if goal.get("endpoint"):
        text = _("%(route)s: %(outcome)s to %(endpoints)s", route=route, outcome=outcome_label(goal["outcome"]),
                 endpoints=_(" or ").join(goal["endpoint"]))
    else:
        text = _("%(route)s: %(outcome)s", route=route, outcome=outcome_label(goal["outcome"]))
    if goal.get("source_ip"):
        text = _("%(goal)s, the process sees source %(source)s", goal=text, source=goal["source_ip"])
    return text


def observed_text(got: str) -> str:
    """What the simulator observed for a goal (grading's English) in the page's language."""
    match = OBSERVED.match(got or "")
    if match:
        return _("delivered to %(endpoint)s at %(address)s, source %(source)s", **match.groupdict())
    if got == "not delivered":
        return _("not delivered")
    return outcome_label(got)
