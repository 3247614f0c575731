"""public generation: what cached pages also depend on, beside the séances

Revision ID: c4e1f0a7b2d5
Revises: a1d9a3529d60
Create Date: 2026-11-25 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1f0a7b2d5'
down_revision = 'a1d9a3529d60'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'public_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('public_generation')
