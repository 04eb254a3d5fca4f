"""Pack titles in other languages

Revision ID: b7c3e9d2a4f1
Revises: f1a2b3c4d5e6
Create Date: 2026-11-30 04:05:00.000000

- pack_translations: a pack's title in another language (a translation file's `pack_title:`, checked by the
  compiler against the source title's hash, `pack_title_from:`); one per (pack, language), never empty.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c3e9d2a4f1'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pack_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pack_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('translated_from', sa.String(length=64), nullable=False),
        sa.Column('source_path', sa.String(length=500), nullable=False),
        sa.Column('source_line', sa.Integer(), nullable=False),
        sa.CheckConstraint('length(title) > 0',
                           name=op.f('ck_pack_translations_pack_translation_title_not_empty')),
        sa.ForeignKeyConstraint(['pack_id'], ['packs.id'], name=op.f('fk_pack_translations_pack_id_packs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pack_translations')),
        sa.UniqueConstraint('pack_id', 'language', name='uq_pack_translation'),
    )
    with op.batch_alter_table('pack_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pack_translations_pack_id'), ['pack_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pack_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pack_translations_pack_id'))
    op.drop_table('pack_translations')
