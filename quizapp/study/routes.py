"""The minimal study pages: choose a pack, answer a question, see right or wrong with the explanation."""
from __future__ import annotations

import random
import secrets

from flask import Blueprint, abort, render_template, request

from quizapp.checking import InvalidResponse, check_answer
from quizapp.extensions import db
from quizapp.study import service
from quizapp.study.presenting import card_view, response_from_form

bp = Blueprint("study", __name__)


@bp.get("/")
def index():
    return render_template("study/index.html", packs=service.list_packs(db.session))


@bp.get("/packs/<slug>/study")
def question(slug: str):
    pack = service.find_pack(db.session, slug) or abort(404)
    card_id = request.args.get("card", type=int)
    seed = request.args.get("seed", type=int)
    if seed is None:
        seed = secrets.randbelow(2**31)
    card = (service.find_card(db.session, pack, card_id) if card_id is not None
            else service.random_card(db.session, pack, random.Random(seed)))
    if card is None:
        if card_id is not None:
            abort(404)
        return render_template("study/empty.html", pack=pack)
    q = card.question
    view = card_view(q.qtype, q.data, card.card_key, seed)
    return render_template("study/question.html", pack=pack, card=card, question=q, view=view, seed=seed,
                           reveal=request.args.get("reveal") == "1", error=None)


@bp.post("/packs/<slug>/study")
def answer(slug: str):
    pack = service.find_pack(db.session, slug) or abort(404)
    card = service.find_card(db.session, pack, request.form.get("card", type=int) or -1) or abort(404)
    seed = request.form.get("seed", type=int) or 0
    q = card.question
    view = card_view(q.qtype, q.data, card.card_key, seed)
    try:
        response = response_from_form(q.qtype, q.data, card.card_key, request.form)
        result = check_answer(q.qtype, q.data, card.card_key, response)
    except InvalidResponse as error:
        return render_template("study/question.html", pack=pack, card=card, question=q, view=view, seed=seed,
                               reveal=True, error=error), 400
    return render_template("study/feedback.html", pack=pack, card=card, question=q, view=view, seed=seed,
                           result=result, response=response)
