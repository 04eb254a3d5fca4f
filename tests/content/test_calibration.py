"""Difficulty from review logs: first answers only, enough learners, verdict against the rubric's bands."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from quizapp.content import compile_sources
from quizapp.content.calibration import calibration_rows, difficulty_for_miss_rate, mislabelled
from quizapp.content.store import write_bank
from quizapp.models import Card, Question, ReviewLog, User
from tests.content.helpers import pack_file, single

START = datetime(2026, 11, 1, tzinfo=timezone.utc)


def build_bank(db):
    easy = single("labelled-easy").replace("type: single", "type: single\ndifficulty: 1")
    hard = single("labelled-hard", title="Hard").replace("type: single", "type: single\ndifficulty: 5")
    result = compile_sources([("p/a.md", pack_file("A", easy, hard))])
    assert result.ok
    write_bank(db.session, result.bank)
    db.session.commit()
    return {q.slug: db.session.scalar(select(Card).where(Card.question_id == q.id))
            for q in db.session.scalars(select(Question))}


def answer(db, user: User, card: Card, correct: bool, minutes: int) -> None:
    db.session.add(ReviewLog(user_id=user.id, card_id=card.id, reviewed_at=START + timedelta(minutes=minutes),
                             rating=3 if correct else 1, correct=correct, state_after={}))


def learners(db, count: int) -> list[User]:
    users = [User(email=f"l{i}@example.org", display_name=f"L{i}", password_hash="x") for i in range(count)]
    db.session.add_all(users)
    db.session.flush()
    return users


def test_bands_follow_the_rubric():
    assert [difficulty_for_miss_rate(r) for r in (0.0, 0.09, 0.10, 0.3, 0.5, 0.69, 0.7, 1.0)] == [1, 1, 2, 3, 4, 4, 5, 5]


def test_a_question_most_learners_miss_is_harder_than_its_label(db):
    cards = build_bank(db)
    for i, user in enumerate(learners(db, 10)):
        # 8 of 10 miss the "easy" question on their first try, then all of them get it right later:
        # later answers measure memory, not difficulty, and must not count.
        answer(db, user, cards["labelled-easy"], correct=i >= 8, minutes=1)
        answer(db, user, cards["labelled-easy"], correct=True, minutes=60)
        # Everybody gets the "hard" question right at once.
        answer(db, user, cards["labelled-hard"], correct=True, minutes=2)
    db.session.commit()

    rows = {row.slug: row for row in calibration_rows(db.session, min_learners=10)}
    easy, hard = rows["labelled-easy"], rows["labelled-hard"]
    assert (easy.learners, easy.missed, easy.observed, easy.verdict) == (10, 8, 5, "harder than labelled")
    assert (hard.learners, hard.missed, hard.observed, hard.verdict) == (10, 0, 1, "easier than labelled")
    assert [row.slug for row in calibration_rows(db.session, min_learners=10)] == ["labelled-easy", "labelled-hard"]
    assert calibration_rows(db.session, min_learners=11) == []
    assert calibration_rows(db.session, pack_slug="other", min_learners=1) == []


def test_a_question_answered_as_its_label_predicts_is_not_reported(db, runner):
    cards = build_bank(db)
    for i, user in enumerate(learners(db, 10)):
        answer(db, user, cards["labelled-easy"], correct=True, minutes=1)
        answer(db, user, cards["labelled-hard"], correct=i == 0, minutes=2)  # 90% miss: a 5
    db.session.commit()
    rows = calibration_rows(db.session, min_learners=10)
    assert mislabelled(rows) == []
    result = runner.invoke(args=["content", "calibrate", "--all"])
    output = result.output
    assert result.exit_code == 0, (result.output, result.exception)
    assert "demo/labelled-hard" in output and "90%" in output and "as labelled" in output
    assert "0 of 2 question(s) with 10+ learners disagree" in output
