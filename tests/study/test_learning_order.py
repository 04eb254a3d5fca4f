"""New cards in a learning order: `learning_order:` in front matter sorts a pack's topics, topics interleave two
at a time and every fifth new card is a simulator question, so the first session of the shipped bank has one."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from quizapp.content import compile_paths, compile_sources
from quizapp.content.store import write_bank
from quizapp.models import Card, Pack, Question
from quizapp.study.learning_order import interleave
from quizapp.study.pack_cards import pack_cards

CONTENT = Path(__file__).resolve().parents[2] / "content"


def topic_file(title: str, order: object | None, qid: str, qtype: str = "truefalse") -> bytes:
    front = f"---\npack: ordered\ntitle: {title}\nsources: [https://example.org/]\n" + (f"learning_order: {order}\n" if order is not None else "") + "---\n\n"
    return (front + f"## {title} question {{#{qid}}}\n\ntype: truefalse\n\nThe sky is green.\n\n### Answer\n\nfalse\n\n"
            "### Explanation\n\nIt is blue. Source: https://example.org/\n").encode()


def test_topics_follow_learning_order_then_file_name():
    result = compile_sources([("a.md", topic_file("A", None, "qa")), ("b.md", topic_file("B", 2, "qb")),
                              ("c.md", topic_file("C", 1, "qc")), ("d.md", topic_file("D", 2, "qd"))])
    assert result.ok, result.problems
    assert [t.slug for t in result.bank.packs["ordered"].topics] == ["c", "b", "d", "a"]


def test_a_learning_order_that_is_not_a_whole_number_is_refused_with_its_line():
    result = compile_sources([("x.md", topic_file("X", "soon", "qx"))])
    assert not result.ok
    problem = result.problems[0]
    assert (problem.path, problem.line) == ("x.md", 5) and "learning_order" in problem.message


def test_interleave_alternates_two_topics_and_puts_a_sim_question_every_fifth():
    cards = [(f"a{i}", "A", False) for i in range(6)] + [(f"b{i}", "B", False) for i in range(2)] + \
            [(f"c{i}", "C", False) for i in range(3)] + [("s1", "S", True), ("s2", "T", True)]
    assert interleave(cards) == ["a0", "b0", "a1", "b1", "s1", "a2", "c0", "a3", "c1", "s2", "a4", "c2", "a5"]
    assert interleave([]) == []
    assert interleave([("s", "S", True)]) == ["s"]


def first_session(order: list[tuple[int, int]], new_per_day: int = 20) -> list[int]:
    """The new cards a learner meets on day one: siblings (cards of one question) wait until tomorrow."""
    seen_questions: set[int] = set()
    session = []
    for card_id, question_id in order:
        if question_id not in seen_questions:
            seen_questions.add(question_id)
            session.append(card_id)
        if len(session) == new_per_day:
            break
    return session


def test_the_shipped_bank_shows_a_simulator_question_in_the_first_session(db):
    result = compile_paths([CONTENT])
    assert result.ok
    write_bank(db.session, result.bank)
    db.session.commit()
    for pack in db.session.scalars(select(Pack)):
        order = list(pack_cards(db.session, pack).cards)
        has_sim = db.session.scalar(select(Question.id).where(Question.pack_id == pack.id, Question.qtype == "sim")
                                    .limit(1))
        if not has_sim:
            continue
        day_one = first_session(order)
        types = [db.session.scalar(select(Question.qtype).join(Card).where(Card.id == card_id)) for card_id in day_one]
        assert "sim" in types[:5], (pack.slug, types)
        assert types.count("sim") >= 3
        topics = {db.session.scalar(select(Question.topic_id).join(Card).where(Card.id == c)) for c in day_one}
        assert len(topics) >= 3  # interleaved, not one topic for a whole day
