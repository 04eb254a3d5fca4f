"""Card browser: card_marks (flag, suspend, bury by hand), search_stamps and the full-text index

Revision ID: d4e7a1c9b2f0
Revises: d4e7a1b9c2f0
Create Date: 2026-11-29 21:20:00.000000

The index holds one document per question (title, prompt, answers, explanation; tags), its rowid / key the
question id:
- SQLite: `question_search`, an FTS5 virtual table (ranked with bm25);
- PostgreSQL: `question_search (question_id, document tsvector)` with a GIN index (ranked with ts_rank_cd).
It is filled by quizapp/browse/search.py whenever a pack's content_stamp differs from search_stamps.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'd4e7a1c9b2f0'
down_revision = 'd4e7a1b9c2f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'card_marks',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('flagged', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('suspended', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('buried_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['card_id'], ['cards.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'card_id'),
    )
    op.create_table(
        'search_stamps',
        sa.Column('pack_id', sa.Integer(), nullable=False),
        sa.Column('content_stamp', sa.String(length=32), nullable=False),
        sa.Column('questions', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['pack_id'], ['packs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pack_id'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE TABLE question_search (question_id integer PRIMARY KEY REFERENCES questions(id) "
                   "ON DELETE CASCADE, document tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_question_search_document ON question_search USING gin (document)")
    else:
        op.execute("CREATE VIRTUAL TABLE question_search USING fts5(title, body, tags, "
                   "tokenize = 'unicode61 remove_diacritics 2')")


def downgrade():
    op.execute("DROP TABLE IF EXISTS question_search")
    op.drop_table('search_stamps')
    op.drop_table('card_marks')
