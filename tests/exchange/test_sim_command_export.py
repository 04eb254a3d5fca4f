"""`ask: command` sim questions in the exports: a short answer (accepted or refused) that Moodle grades as we do,
with Docker's message, verbatim, in the general feedback (the trace's place)."""
from __future__ import annotations

import io
import zipfile

from quizapp.exchange.base import sim_variant
from quizapp.exchange.gift import export_gift
from quizapp.exchange.moodle_xml import export_moodle_xml
from quizapp.exchange.qti import export_qti
from tests.exchange.helpers import shipped_pack
from tests.exchange.moodle_reader import grade_shortanswer, read_quiz

SLUG = "sim-refuse-publish-container-mode"
WORDS = "conflicting options: port publishing and the container type network mode"


def _question():
    pack = shipped_pack()
    return pack, next(q for q in pack.questions if q.slug == SLUG)


def test_moodle_grades_the_verdict_and_shows_docker_s_message():
    pack, question = _question()
    variant = sim_variant(question.data)
    assert variant.accepted == ["refused"] and WORDS in variant.trace_text
    moodle = {q.idnumber: q for q in read_quiz(export_moodle_xml(pack, [question]).content)}[SLUG]
    assert moodle.qtype == "shortanswer"
    texts = [a["text"] for a in moodle.options["answers"]]
    fractions = [a["fraction"] for a in moodle.options["answers"]]
    assert grade_shortanswer("refused", texts, fractions, moodle.options["usecase"]) == 1
    assert grade_shortanswer("Refused", texts, fractions, moodle.options["usecase"]) == 1
    assert grade_shortanswer("accepted", texts, fractions, moodle.options["usecase"]) == 0
    assert WORDS in moodle.generalfeedback and "accepted or refused" in moodle.questiontext
    assert moodle.generalfeedback.count("Source:") == 1


def test_gift_and_qti_carry_the_key_and_docker_s_words():
    pack, question = _question()
    gift = export_gift(pack, [question]).content.decode()
    assert "=refused" in gift and WORDS.replace(":", "\\:") in gift  # GIFT escapes the colon
    with zipfile.ZipFile(io.BytesIO(export_qti(pack, [question]).content)) as archive:
        items = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))
    assert ">refused</varequal>" in items and WORDS in items
