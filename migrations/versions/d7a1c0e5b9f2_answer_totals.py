"""answer_totals, wrong_answer_totals: running totals of the answers, kept by triggers on review_logs

Revision ID: d7a1c0e5b9f2
Revises: d4e7b2a9c610
Create Date: 2026-11-29 21:10:00.000000

The class page and the gradebook read these instead of the whole answer history (`quizapp/answer_totals.py`).
Filled from the existing answers here; from then on every INSERT or DELETE on review_logs (and an UPDATE of its
user, card, correctness or answer) updates them in the same transaction. SQLite's batch mode re-creates tables
and so drops their triggers: a later migration that rebuilds review_logs must create them again.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'd7a1c0e5b9f2'
down_revision = 'd4e7b2a9c610'
branch_labels = None
depends_on = None

POSTGRES_FUNCTION = """
CREATE FUNCTION review_logs_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE answer_totals SET answers = answers - 1,
           right_answers = right_answers - (CASE WHEN OLD.correct THEN 1 ELSE 0 END),
           last_reviewed_at = (SELECT max(reviewed_at) FROM review_logs
                               WHERE user_id = OLD.user_id AND card_id = OLD.card_id)
     WHERE user_id = OLD.user_id AND card_id = OLD.card_id;
    DELETE FROM answer_totals WHERE user_id = OLD.user_id AND card_id = OLD.card_id AND answers <= 0;
    IF NOT OLD.correct THEN
      UPDATE wrong_answer_totals SET answers = answers - 1
       WHERE user_id = OLD.user_id AND card_id = OLD.card_id AND answer_key = md5(coalesce(OLD.answer::text, ''));
      DELETE FROM wrong_answer_totals
       WHERE user_id = OLD.user_id AND card_id = OLD.card_id AND answer_key = md5(coalesce(OLD.answer::text, ''))
         AND answers <= 0;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO answer_totals (user_id, card_id, answers, right_answers, last_reviewed_at)
    VALUES (NEW.user_id, NEW.card_id, 1, CASE WHEN NEW.correct THEN 1 ELSE 0 END, NEW.reviewed_at)
    ON CONFLICT (user_id, card_id) DO UPDATE
       SET answers = answer_totals.answers + 1,
           right_answers = answer_totals.right_answers + EXCLUDED.right_answers,
           last_reviewed_at = GREATEST(answer_totals.last_reviewed_at, EXCLUDED.last_reviewed_at);
    IF NOT NEW.correct THEN
      INSERT INTO wrong_answer_totals (user_id, card_id, answer_key, answer_text, answers)
      VALUES (NEW.user_id, NEW.card_id, md5(coalesce(NEW.answer::text, '')), NEW.answer::text, 1)
      ON CONFLICT (user_id, card_id, answer_key) DO UPDATE SET answers = wrong_answer_totals.answers + 1;
    END IF;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = [
    "CREATE TRIGGER review_logs_totals_insert AFTER INSERT OR DELETE ON review_logs "
    "FOR EACH ROW EXECUTE FUNCTION review_logs_totals()",
    "CREATE TRIGGER review_logs_totals_update AFTER UPDATE OF user_id, card_id, correct, answer ON review_logs "
    "FOR EACH ROW EXECUTE FUNCTION review_logs_totals()",
]

_SQLITE_REMOVE = """
  UPDATE answer_totals SET answers = answers - 1,
         right_answers = right_answers - (CASE WHEN OLD.correct THEN 1 ELSE 0 END),
         last_reviewed_at = (SELECT max(reviewed_at) FROM review_logs
                             WHERE user_id = OLD.user_id AND card_id = OLD.card_id)
   WHERE user_id = OLD.user_id AND card_id = OLD.card_id;
  DELETE FROM answer_totals WHERE user_id = OLD.user_id AND card_id = OLD.card_id AND answers <= 0;
  UPDATE wrong_answer_totals SET answers = answers - 1
   WHERE NOT OLD.correct AND user_id = OLD.user_id AND card_id = OLD.card_id
     AND answer_key = coalesce(OLD.answer, '');
  DELETE FROM wrong_answer_totals
   WHERE user_id = OLD.user_id AND card_id = OLD.card_id AND answer_key = coalesce(OLD.answer, '') AND answers <= 0;
"""
_SQLITE_ADD = """
  INSERT INTO answer_totals (user_id, card_id, answers, right_answers, last_reviewed_at)
  VALUES (NEW.user_id, NEW.card_id, 1, CASE WHEN NEW.correct THEN 1 ELSE 0 END, NEW.reviewed_at)
  ON CONFLICT (user_id, card_id) DO UPDATE
     SET answers = answers + 1, right_answers = right_answers + excluded.right_answers,
         last_reviewed_at = max(coalesce(last_reviewed_at, ''), excluded.last_reviewed_at);
  INSERT INTO wrong_answer_totals (user_id, card_id, answer_key, answer_text, answers)
  SELECT NEW.user_id, NEW.card_id, coalesce(NEW.answer, ''), NEW.answer, 1 WHERE NOT NEW.correct
  ON CONFLICT (user_id, card_id, answer_key) DO UPDATE SET answers = answers + 1;
"""
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER review_logs_totals_insert AFTER INSERT ON review_logs BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER review_logs_totals_delete AFTER DELETE ON review_logs BEGIN {_SQLITE_REMOVE} END",
    "CREATE TRIGGER review_logs_totals_update AFTER UPDATE OF user_id, card_id, correct, answer ON review_logs "
    f"BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
]


def upgrade():
    op.create_table(
        'answer_totals',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('right_answers', sa.Integer(), nullable=False),
        sa.Column('last_reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_answer_totals_card_id_cards'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_answer_totals_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'card_id', name=op.f('pk_answer_totals')),
    )
    op.create_index(op.f('ix_answer_totals_card_id'), 'answer_totals', ['card_id'], unique=False)
    op.create_table(
        'wrong_answer_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('answer_key', sa.Text(), nullable=False),
        sa.Column('answer_text', sa.Text(), nullable=True),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_wrong_answer_totals_card_id_cards'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wrong_answer_totals_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wrong_answer_totals')),
    )
    op.create_index(op.f('ix_wrong_answer_totals_card_id'), 'wrong_answer_totals', ['card_id'], unique=False)
    op.create_index('uq_wrong_answer_totals_key', 'wrong_answer_totals', ['user_id', 'card_id', 'answer_key'],
                    unique=True)

    postgres = op.get_bind().dialect.name == "postgresql"
    key = "md5(coalesce(answer::text, ''))" if postgres else "coalesce(answer, '')"
    text_of = "answer::text" if postgres else "answer"
    op.execute("INSERT INTO answer_totals (user_id, card_id, answers, right_answers, last_reviewed_at) "
               "SELECT user_id, card_id, count(*), sum(CASE WHEN correct THEN 1 ELSE 0 END), max(reviewed_at) "
               "FROM review_logs GROUP BY user_id, card_id")
    op.execute("INSERT INTO wrong_answer_totals (user_id, card_id, answer_key, answer_text, answers) "
               f"SELECT user_id, card_id, {key}, min({text_of}), count(*) FROM review_logs WHERE NOT correct "
               f"GROUP BY user_id, card_id, {key}")
    if postgres:
        op.execute(POSTGRES_FUNCTION)
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS review_logs_totals_insert ON review_logs"
               if op.get_bind().dialect.name == "postgresql" else "DROP TRIGGER IF EXISTS review_logs_totals_insert")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS review_logs_totals_update ON review_logs")
        op.execute("DROP FUNCTION IF EXISTS review_logs_totals()")
    else:
        op.execute("DROP TRIGGER IF EXISTS review_logs_totals_delete")
        op.execute("DROP TRIGGER IF EXISTS review_logs_totals_update")
    op.drop_index('uq_wrong_answer_totals_key', table_name='wrong_answer_totals')
    op.drop_index(op.f('ix_wrong_answer_totals_card_id'), table_name='wrong_answer_totals')
    op.drop_table('wrong_answer_totals')
    op.drop_index(op.f('ix_answer_totals_card_id'), table_name='answer_totals')
    op.drop_table('answer_totals')
