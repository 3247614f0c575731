"""index the séances open to questions (the home page finds them without walking the archive)

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
        batch_op.create_index('ix_seance_open_starts_at', ['published', 'starts_at'], unique=False,
                              sqlite_where=sa.text('questions_open = 1'),
                              postgresql_where=sa.text('questions_open'))


def downgrade():
    with op.batch_alter_table('seance', schema=None) as batch_op:
        batch_op.drop_index('ix_seance_open_starts_at')
