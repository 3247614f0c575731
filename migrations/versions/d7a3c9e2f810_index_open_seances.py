"""partial indexes on séances: by date among the published ones, and the open ones

A column that is 1 for nearly every row ("published") must not lead an index: without
statistics SQLite takes it for selective and walks the whole archive through it, where
"id IN (...)" would have read ten rows. The home page finds the séances open to questions
through their own small index instead of walking the archive.

Revision ID: d7a3c9e2f810
Revises: c4e1f0a7b2d5
Create Date: 2026-11-25 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3c9e2f810'
down_revision = 'c4e1f0a7b2d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('seance', schema=None) as batch_op:
        batch_op.drop_index('ix_seance_published_starts_at')
        batch_op.create_index('ix_seance_published_starts_at', ['starts_at'], unique=False,
                              sqlite_where=sa.text('published = 1'),
                              postgresql_where=sa.text('published'))
        batch_op.create_index('ix_seance_open_starts_at', ['starts_at'], unique=False,
                              sqlite_where=sa.text('questions_open = 1'),
                              postgresql_where=sa.text('questions_open'))


def downgrade():
    with op.batch_alter_table('seance', schema=None) as batch_op:
        batch_op.drop_index('ix_seance_open_starts_at')
        batch_op.drop_index('ix_seance_published_starts_at')
        batch_op.create_index('ix_seance_published_starts_at', ['published', 'starts_at'], unique=False)
