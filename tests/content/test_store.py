"""Building a bank into the database: atomic, idempotent, edits in place, retires instead of deleting."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from quizapp.content import compile_sources
from quizapp.content.store import write_bank
from quizapp.models import Card, CardState, Pack, Question, ReviewLog, User
from tests.content.helpers import pack_file, single

FLASH = ("## Pod IP {#pod-ip-card}\n\ntype: flashcard\nreversible: true\n\nWhat is a Pod IP?\n\n### Back\n\n"
         "The IP of the Pod's network namespace.\n\n### Explanation\n\nIP-per-Pod.\n")


def build(db, *files: tuple[str, bytes]):
    result = compile_sources(files)
    assert result.ok, [str(p) for p in result.problems]
    report = write_bank(db.session, result.bank)
    db.session.commit()
    return report


def table_snapshot(db) -> dict[str, list[tuple]]:
    return {
        "packs": db.session.execute(select(Pack.slug, Pack.title, Pack.updated_at)).all(),
        "questions": db.session.execute(
            select(Question.id, Question.slug, Question.content_hash, Question.updated_at, Question.retired_at)
            .order_by(Question.id)).all(),
        "cards": db.session.execute(select(Card.id, Card.card_key, Card.retired_at).order_by(Card.id)).all(),
    }


def add_history(db, card: Card) -> User:
    user = User(email="learner@example.org", display_name="L", password_hash="x")
    db.session.add(user)
    db.session.flush()
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    db.session.add(CardState(user_id=user.id, card_id=card.id, due=now, fsrs_state=2))
    db.session.add(ReviewLog(user_id=user.id, card_id=card.id, reviewed_at=now, rating=3, correct=True,
                             answer={"choice": 1}, state_after={"state": 2}))
    db.session.commit()
    return user


def test_build_writes_packs_questions_and_cards(db):
    report = build(db, ("p/a.md", pack_file("A", single("q1"), FLASH)))
    assert sorted(report.added) == ["pod-ip-card", "q1"]
    pack = db.session.scalar(select(Pack))
    assert (pack.slug, pack.title) == ("demo", "Demo")
    cards = db.session.execute(select(Question.slug, Card.card_key).join(Card).order_by(Card.id)).all()
    assert cards == [("q1", "main"), ("pod-ip-card", "front"), ("pod-ip-card", "back")]


def test_rebuilding_unchanged_content_changes_nothing(db):
    files = ("p/a.md", pack_file("A", single("q1"), FLASH))
    build(db, files)
    before = table_snapshot(db)
    report = build(db, files)
    assert not report.changed and report.unchanged == 2
    assert table_snapshot(db) == before


def test_edit_updates_in_place_and_keeps_history(db):
    build(db, ("p/a.md", pack_file("A", single("q1"))))
    question = db.session.scalar(select(Question))
    old_hash, question_id = question.content_hash, question.id
    user = add_history(db, question.cards[0])

    report = build(db, ("p/a.md", pack_file("A", single("q1", right="ClusterIP (the default)"))))
    assert report.updated == ["q1"]
    db.session.expire_all()
    question = db.session.get(Question, question_id)
    assert question.content_hash != old_hash
    assert "ClusterIP (the default)" in question.data["choices"][1]["html"]
    assert db.session.scalar(select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == user.id)) == 1
    assert db.session.scalar(select(CardState.card_id)) == question.cards[0].id


def test_removed_questions_are_retired_not_deleted_and_can_return(db):
    build(db, ("p/a.md", pack_file("A", single("q1"), single("q2", title="Other"))))
    q2 = db.session.scalar(select(Question).where(Question.slug == "q2"))
    add_history(db, q2.cards[0])

    report = build(db, ("p/a.md", pack_file("A", single("q1"))))
    assert report.retired == ["q2"]
    db.session.expire_all()
    q2 = db.session.scalar(select(Question).where(Question.slug == "q2"))
    assert q2.retired_at is not None and q2.cards[0].retired_at is not None
    assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 1

    report = build(db, ("p/a.md", pack_file("A", single("q1"), single("q2", title="Other"))))
    assert report.restored == ["q2"]
    db.session.expire_all()
    assert db.session.scalar(select(Question.retired_at).where(Question.slug == "q2")) is None


def test_making_a_flashcard_one_sided_retires_its_second_card(db):
    build(db, ("p/a.md", pack_file("A", FLASH)))
    build(db, ("p/a.md", pack_file("A", FLASH.replace("reversible: true\n", ""))))
    rows = db.session.execute(select(Card.card_key, Card.retired_at.is_(None)).order_by(Card.id)).all()
    assert rows == [("front", True), ("back", False)]


def test_failing_build_writes_nothing(runner, db, tmp_path: Path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "a.md").write_bytes(pack_file("A", single("q1")))
    assert runner.invoke(args=["content", "build", str(good)]).exit_code == 0
    before = table_snapshot(db)

    (good / "a.md").write_bytes(pack_file("A", single("q1", right="changed"), single("q2", title="New")))
    (good / "b.md").write_bytes(pack_file("B", single("q3").replace("type: single", "type: nope")))
    result = runner.invoke(args=["content", "build", str(good)])
    assert result.exit_code == 1
    assert f"{good / 'b.md'}:11: question 'q3': unknown question type 'nope'" in result.output
    assert "nothing was built" in result.output
    assert "Traceback" not in result.output
    db.session.expire_all()
    assert table_snapshot(db) == before


def test_a_database_error_rolls_the_whole_build_back(db):
    build(db, ("p/a.md", pack_file("A", single("q1"))))
    before = table_snapshot(db)
    result = compile_sources([("p/a.md", pack_file("A", single("q1", right="edited"), single("q2", title="T")))])
    result.bank.packs["demo"].questions[1].difficulty = 99  # violates the database's CHECK constraint
    try:
        write_bank(db.session, result.bank)
        db.session.commit()
    except Exception:
        db.session.rollback()
    else:  # pragma: no cover
        raise AssertionError("the CHECK constraint should have refused difficulty 99")
    db.session.expire_all()
    assert table_snapshot(db) == before


def test_check_command_reports_counts_and_errors(runner, tmp_path: Path):
    (tmp_path / "a.md").write_bytes(pack_file("A", single("q1"), FLASH))
    ok = runner.invoke(args=["content", "check", str(tmp_path)])
    assert ok.exit_code == 0
    assert "OK: 2 questions (3 cards) in 1 file(s), 1 pack(s): flashcard 1, single 1" in ok.output
    (tmp_path / "b.md").write_bytes(b"---\npack: demo\ntitle: [x\n---\n")
    bad = runner.invoke(args=["content", "check", str(tmp_path)])
    assert bad.exit_code == 1 and "front matter is not valid YAML" in bad.output


def test_stats_command_counts_live_and_retired(runner, db):
    build(db, ("p/a.md", pack_file("A", single("q1"), FLASH)))
    build(db, ("p/a.md", pack_file("A", FLASH)))
    result = runner.invoke(args=["content", "stats"])
    assert "demo (Demo): 1 questions, 2 cards, 1 retired" in result.output
