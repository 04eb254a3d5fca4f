"""users.email_verified_at: sign-up confirms the address by e-mail before the account can log in

Revision ID: f3a9c2d7e1b4
Revises: e5f8b3d0a7c1
Create Date: 2026-11-30 00:00:00.000000

Accounts made before this revision count as confirmed (their verification time is their creation time).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c2d7e1b4'
down_revision = 'e5f8b3d0a7c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
