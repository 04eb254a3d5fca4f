"""Card browser: indexes for its filters; the search index rebuilt for Chinese (bigrams)

Revision ID: f1a2b3c4d5e6
Revises: a8c4e2f6b1d3
Create Date: 2026-11-30 00:10:00.000000

- ix_card_states_browse (user_id, fsrs_state, lapses, card_id): the state and lapse filters read one learner's
  matching card ids from the index alone (bench/card_browser.py);
- ix_cards_browse (question_id, retired_at, id): from a search hit (a question) to its live cards without
  reading the card rows;
- search_stamps emptied: every pack's documents are indexed again, on the next search, in the new form (CJK
  runs as overlapping bigrams, translations included: quizapp/browse/segment.py). The index tables themselves
  (FTS5 on SQLite, tsvector + GIN on PostgreSQL) keep their shape.
"""
from alembic import op


revision = 'f1a2b3c4d5e6'
down_revision = 'a8c4e2f6b1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.create_index('ix_card_states_browse', ['user_id', 'fsrs_state', 'lapses', 'card_id'], unique=False)
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_browse', ['question_id', 'retired_at', 'id'], unique=False)
    op.execute("DELETE FROM search_stamps")


def downgrade():
    op.execute("DELETE FROM search_stamps")  # the documents go back to the old form on the next search
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_browse')
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.drop_index('ix_card_states_browse')
