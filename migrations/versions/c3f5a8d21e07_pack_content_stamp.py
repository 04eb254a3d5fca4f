"""packs.content_stamp (the study queue's cache key); the newest-answer index includes id

Revision ID: c3f5a8d21e07
Revises: aa0cc117c401
Create Date: 2026-11-24 10:00:00.000000

- packs.content_stamp: a new random value whenever the pack's topics, questions or cards change
  (`quizapp.models._stamp_changed_packs`); the study queue caches each pack's ordered active cards per process
  under (pack id, created_at, content_stamp). Existing packs start with an empty stamp.
- ix_review_logs_user_time (user_id, reviewed_at) -> (user_id, reviewed_at, id): the newest answer
  (ORDER BY reviewed_at DESC, id DESC LIMIT 1, on every feedback page) is one step of a backward index scan
  instead of a sort of all the learner's answers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f5a8d21e07'
down_revision = 'aa0cc117c401'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_stamp', sa.String(length=32), server_default='', nullable=False))

    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_review_logs_user_time')
        batch_op.create_index('ix_review_logs_user_time', ['user_id', 'reviewed_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_review_logs_user_time')
        batch_op.create_index('ix_review_logs_user_time', ['user_id', 'reviewed_at'], unique=False)

    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.drop_column('content_stamp')
