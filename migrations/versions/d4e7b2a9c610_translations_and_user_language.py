"""Question and topic translations; the learner's language

Revision ID: d4e7b2a9c610
Revises: d7a1c0e5f912
Create Date: 2026-11-29 21:10:00.000000

- question_translations / topic_translations: a question's (topic's) words in another language, keyed by the
  source row; cards, states and logs stay on the question, so switching language keeps every history.
- users.language: the language the learner chose (NULL: the browser's Accept-Language decides).
"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e7b2a9c610'
down_revision = 'd7a1c0e5f912'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'question_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('overlay', sa.JSON(), nullable=False),
        sa.Column('translated_from', sa.String(length=64), nullable=False),
        sa.Column('source_path', sa.String(length=500), nullable=False),
        sa.Column('source_line', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('question_id', 'language', name='uq_question_translation'),
    )
    with op.batch_alter_table('question_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_translations_question_id'), ['question_id'], unique=False)
    op.create_table(
        'topic_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('intro_html', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('topic_id', 'language', name='uq_topic_translation'),
    )
    with op.batch_alter_table('topic_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_translations_topic_id'), ['topic_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('topic_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_translations_topic_id'))
    op.drop_table('topic_translations')
    with op.batch_alter_table('question_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_translations_question_id'))
    op.drop_table('question_translations')
