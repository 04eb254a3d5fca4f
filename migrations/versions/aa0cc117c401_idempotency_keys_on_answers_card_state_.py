"""idempotency keys on answers, card state versions, covering index for the study queue

Revision ID: aa0cc117c401
Revises: b18b037cec1e
Create Date: 2026-11-23 17:53:43.853504

- review_logs.idempotency_key + UNIQUE (user_id, idempotency_key): a submission is recorded once.
- card_states.version (optimistic locking, CHECK version >= 1): existing rows start at 1.
- ix_card_states_user_due now fits the study queue's query (user_id, card_id IN ...) and covers its columns.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aa0cc117c401'
down_revision = 'b18b037cec1e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint(op.f('ck_card_states_version_positive'), 'version >= 1')
        batch_op.drop_index(batch_op.f('ix_card_states_user_due'))
        batch_op.create_index('ix_card_states_user_due', ['user_id', 'card_id', 'due', 'fsrs_state', 'suspended'],
                              unique=False)

    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_review_logs_user_id_idempotency_key'),
                                          ['user_id', 'idempotency_key'])


def downgrade():
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_review_logs_user_id_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')

    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.drop_index('ix_card_states_user_due')
        batch_op.create_index(batch_op.f('ix_card_states_user_due'), ['user_id', 'suspended', 'due'], unique=False)
        batch_op.drop_constraint(op.f('ck_card_states_version_positive'), type_='check')
        batch_op.drop_column('version')
