"""rate_limit_counters: log-in, sign-up and invitation limits shared by every worker without Redis

Revision ID: a8c4e2f6b1d3
Revises: f3a9c2d7e1b4
Create Date: 2026-11-30 00:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8c4e2f6b1d3'
down_revision = 'f3a9c2d7e1b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters')),
    )


def downgrade():
    op.drop_table('rate_limit_counters')
