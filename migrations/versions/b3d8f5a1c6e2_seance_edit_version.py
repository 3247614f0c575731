"""seance edit version: a stale save of the edit form is refused; audit entries say which version

Revision ID: b3d8f5a1c6e2
Revises: a7c2e9d4b1f3
Create Date: 2026-11-28 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d8f5a1c6e2'
down_revision = 'a7c2e9d4b1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('seance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seance_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('seance_version')
    with op.batch_alter_table('seance', schema=None) as batch_op:
        batch_op.drop_column('edit_version')
