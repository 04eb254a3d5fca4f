"""Turns a stored question and card into what the study page shows, and form input into a checker response.

Pure functions: no request, no database. A form the checker cannot read is refused in the request's language
(Flask-Babel; English outside a request).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext as _

from quizapp.checking import InvalidResponse
from quizapp.content.sim_command import VERDICTS
from quizapp.content.sim_type import OUTCOMES, substitute_html, variant_for


@dataclass(frozen=True)
class CardView:
    qtype: str
    card_key: str
    prompt_html: str
    options: list[tuple[int, str]]  # (authored index, html) in display order
    blanks: int
    answer_html: str  # the other side / the revealed text, for flashcards and clozes
    explanation_html: str = ""
    ask: str = ""  # sim questions: what the learner gives (endpoint, name, source_ip, delivered, outcome)
    variant_key: str = ""  # sim questions: the simulator's answer for the variant shown
    trace: dict[str, Any] | None = None  # sim questions: the trace of the variant shown
    docker_says: str = ""  # `ask: command` sim questions: Docker's refusal, verbatim ("" when it accepts)
    command: str = ""  # `ask: command` sim questions: the command line asked about


def display_order(count: int, seed: int, shuffle: bool = True) -> list[int]:
    order = list(range(count))
    if shuffle:
        random.Random(seed).shuffle(order)
    return order


def card_view(qtype: str, data: dict[str, Any], card_key: str, seed: int) -> CardView:
    prompt, options, blanks, answer = data.get("prompt_html", ""), [], 0, ""
    explanation = data.get("explanation_html", "")
    if qtype == "flashcard":
        front, back = data["prompt_html"], data["back_html"]
        prompt, answer = (back, front) if card_key == "back" else (front, back)
    elif qtype == "cloze":
        card = data["cards"][card_key]
        prompt, blanks, answer = card["prompt_html"], len(card["blanks"]), card["answer_html"]
    elif qtype in ("single", "multiple"):
        choices = data["choices"]
        options = [(i, choices[i]["html"]) for i in display_order(len(choices), seed, data.get("shuffle", True))]
    elif qtype == "ordering":
        items = data["items"]
        options = [(i, items[i]["html"]) for i in display_order(len(items), seed)]
    elif qtype == "matching":
        options = [(i, pair["left_html"]) for i, pair in enumerate(data["pairs"])]
    elif qtype == "sim":
        variant = variant_for(data, seed)
        prompt = substitute_html(prompt, variant["params"])
        explanation = substitute_html(explanation, variant["params"])
        if data["ask"] == "outcome":
            options = list(enumerate(OUTCOMES))
        return CardView(qtype, card_key, prompt, options, blanks, answer, explanation, data["ask"],
                        variant["key"], variant["trace"], variant.get("docker", ""), variant.get("command", ""))
    return CardView(qtype, card_key, prompt, options, blanks, answer, explanation)


def response_from_form(qtype: str, data: dict[str, Any], card_key: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """Read the study form into the checker's response shape; errors name the form field."""
    def integer(field: str, missing: str | None = None) -> int:
        raw = form.get(field, "")
        if raw == "" or raw is None:
            raise InvalidResponse(field, missing or _("Choose an answer."))
        try:
            return int(raw)
        except ValueError:
            raise InvalidResponse(field, _("That is not one of the options: choose again.")) from None

    if qtype == "flashcard":
        return {"knew": form.get("knew") == "yes"}
    if qtype == "cloze":
        count = len(data["cards"][card_key]["blanks"])
        return {"blanks": [str(form.get(f"blank-{i}", "")) for i in range(count)]}
    if qtype == "single":
        return {"choice": integer("choice")}
    if qtype == "multiple":
        getlist = getattr(form, "getlist", None)
        values = getlist("choices") if getlist else form.get("choices", [])
        try:
            return {"choices": sorted(int(v) for v in values)}
        except ValueError:
            raise InvalidResponse("choices", _("must be choice numbers")) from None
    if qtype == "truefalse":
        value = form.get("value")
        if value not in ("true", "false"):
            raise InvalidResponse("value", _("choose true or false"))
        return {"value": value == "true"}
    if qtype == "short":
        return {"text": str(form.get("text", ""))}
    if qtype == "ordering":
        count = len(data["items"])
        positions = {index: integer(f"position-{index}", _("Give every item a position.")) for index in range(count)}
        if sorted(positions.values()) != list(range(1, count + 1)):
            raise InvalidResponse("position", _("Give each item a different position from 1 to %(count)s: two items "
                                                "have the same position.", count=count))
        return {"order": sorted(positions, key=positions.__getitem__)}
    if qtype == "matching":
        return {"matches": [integer(f"match-{index}", _("Pick a match for every row."))
                            for index in range(len(data["pairs"]))]}
    if qtype == "sim":
        if data["ask"] == "delivered":
            value = form.get("value")
            if value not in ("true", "false"):
                raise InvalidResponse("value", _("choose delivered (true) or not (false)"))
            return {"value": value == "true"}
        if data["ask"] == "outcome":
            outcome = form.get("outcome")
            if outcome not in OUTCOMES:
                raise InvalidResponse("outcome", _("choose one of %(outcomes)s", outcomes=", ".join(OUTCOMES)))
            return {"outcome": outcome}
        if data["ask"] == "command":
            verdict = form.get("verdict")
            if verdict not in VERDICTS:
                raise InvalidResponse("verdict", _("choose whether Docker accepts the command or refuses it"))
            return {"verdict": verdict}
        return {"text": str(form.get("text", ""))}
    if qtype == "lab":
        return {"scenario": str(form.get("scenario", ""))}
    raise InvalidResponse("type", _("this page cannot answer %(qtype)s questions yet", qtype=repr(qtype)))
