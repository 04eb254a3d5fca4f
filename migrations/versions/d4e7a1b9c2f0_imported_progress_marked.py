"""Imported progress marked: review_logs.imported, card_states.from_import, classes.count_imported,
pending_imports

Revision ID: d4e7a1b9c2f0
Revises: d7a1c0e5b9f2
Create Date: 2026-11-29 21:00:00.000000

Answers restored from a progress export are marked (`review_logs.imported`), and so are the card states they
shaped (`card_states.from_import`); class reports leave both out unless the class counts imported progress
(`classes.count_imported`, off). Existing rows: given here, not imported. The running totals' triggers
(d7a1c0e5b9f2) are re-created to skip imported answers: `answer_totals` holds answers given here only.
"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e7a1b9c2f0'
down_revision = 'd7a1c0e5b9f2'
branch_labels = None
depends_on = None


def _totals_migration():
    """The answer-totals migration's trigger SQL (loaded from its file: migrations are not a package)."""
    path = Path(__file__).with_name("d7a1c0e5b9f2_answer_totals.py")
    spec = importlib.util.spec_from_file_location("answer_totals_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _set_totals_triggers(skip_imported: bool):
    totals = _totals_migration()
    if op.get_bind().dialect.name == "postgresql":
        function = totals.POSTGRES_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        if skip_imported:
            function = function.replace("IF TG_OP IN ('DELETE', 'UPDATE') THEN",
                                        "IF TG_OP IN ('DELETE', 'UPDATE') AND NOT OLD.imported THEN")
            function = function.replace("IF TG_OP IN ('INSERT', 'UPDATE') THEN",
                                        "IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.imported THEN")
        op.execute(function)
        return
    for name in ("review_logs_totals_insert", "review_logs_totals_delete", "review_logs_totals_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in totals.SQLITE_TRIGGERS:
        if skip_imported:
            row = "OLD" if "AFTER DELETE" in statement else "NEW"
            statement = statement.replace("ON review_logs BEGIN", f"ON review_logs WHEN NOT {row}.imported BEGIN")
        op.execute(statement)


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
    _set_totals_triggers(skip_imported=True)  # also: SQLite's batch mode may have rebuilt review_logs


def downgrade():
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_column('count_imported')
    with op.batch_alter_table('card_states', schema=None) as batch_op:
        batch_op.drop_column('from_import')
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_column('imported')
    _set_totals_triggers(skip_imported=False)  # after review_logs lost the column (SQLite rebuilt the table)
    op.drop_table('pending_imports')
