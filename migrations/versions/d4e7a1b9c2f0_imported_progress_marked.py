"""Imported progress marked: review_logs.imported, card_states.from_import, classes.count_imported,
pending_imports

Revision ID: d4e7a1b9c2f0
Revises: d4e7b2a9c610
Create Date: 2026-11-29 21:00:00.000000

Answers restored from a progress export are marked (`review_logs.imported`), and so are the card states they
shaped (`card_states.from_import`); class reports leave both out unless the class counts imported progress
(`classes.count_imported`, off). Existing rows: given here, not imported.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e7a1b9c2f0'
down_revision = 'd4e7b2a9c610'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_imports_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_imports')))
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_imports_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_import', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count_imported', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_column('count_imported')
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.drop_column('from_import')
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_column('imported')
    op.drop_table('pending_imports')
