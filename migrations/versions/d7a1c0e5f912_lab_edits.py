"""lab_edits: each learner's own copies of lab scenarios

Revision ID: d7a1c0e5f912
Revises: c3f5a8d21e07
Create Date: 2026-11-29 21:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a1c0e5f912'
down_revision = 'c3f5a8d21e07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lab_edits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('scenario_key', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(text) <= 262144', name=op.f('ck_lab_edits_text_size')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lab_edits_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_edits')),
        sa.UniqueConstraint('user_id', 'scenario_key', name=op.f('uq_lab_edits_user_id_scenario_key')),
    )


def downgrade():
    op.drop_table('lab_edits')
