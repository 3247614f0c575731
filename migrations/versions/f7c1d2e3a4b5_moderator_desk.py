"""moderator's desk: questions from the floor, merged duplicates, pre-moderation per séance

A question's ``source`` ('' from a phone, 'papier' or 'micro' typed by a moderator) and its
``merged_into_id`` (a duplicate merged into the question kept) show on public pages, so the
public_generation trigger on question watches them too. A vote moved onto the kept question by
a merge remembers which question it came from (``vote.merged_from_id``): undoing the merge
takes back exactly those. Plain ADD COLUMN (no table rebuild): the tables' triggers stay.

Revision ID: f7c1d2e3a4b5
Revises: 0a9e4c7d2b18
Create Date: 2026-11-29 04:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7c1d2e3a4b5'
down_revision = '0a9e4c7d2b18'
branch_labels = None
depends_on = None

BUMP = "BEGIN UPDATE public_generation SET value = value + 1; END"
TRIGGER = "question_update_public_generation"
WHEN = "NOT (OLD.status = 'pending' AND NEW.status = 'pending')"
BEFORE = "seance_id, author, body, status, answer_html"


def _replace_trigger(columns: str) -> None:
    """The question trigger again, watching ``columns``, in the engine's own words (PostgreSQL:
    row-level, the plpgsql function of migration d9f1b7c3e5a2)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON question")
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {columns} ON question FOR EACH ROW "
                   f"WHEN ({WHEN}) EXECUTE FUNCTION bump_public_generation()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {columns} ON question WHEN {WHEN} {BUMP}")


def upgrade():
    op.add_column('question', sa.Column('source', sa.String(length=10), nullable=False, server_default=''))
    if op.get_context().dialect.name == "sqlite":
        # SQLite adds a column's foreign key only inline (no ALTER of constraints, and a table
        # rebuild would drop the question triggers). No ON DELETE: questions go with their
        # séance, all at once; SQLite does not reflect an inline clause's options anyway.
        op.execute("ALTER TABLE question ADD COLUMN merged_into_id INTEGER REFERENCES question (id)")
    else:
        op.add_column('question', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_question_merged_into_id_question', 'question', 'question',
                              ['merged_into_id'], ['id'])
    op.add_column('question', sa.Column('merged_at', sa.DateTime(), nullable=True))
    op.create_index('ix_question_merged_into_id', 'question', ['merged_into_id'])
    op.add_column('vote', sa.Column('merged_from_id', sa.Integer(), nullable=True))
    op.add_column('seance', sa.Column('premoderation', sa.Boolean(), nullable=False, server_default='1'))
    _replace_trigger(BEFORE + ", source, merged_into_id")


def downgrade():
    _replace_trigger(BEFORE)
    op.drop_column('seance', 'premoderation')
    op.drop_column('vote', 'merged_from_id')
    op.drop_index('ix_question_merged_into_id', 'question')
    op.drop_column('question', 'merged_at')
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint('fk_question_merged_into_id_question', 'question', type_='foreignkey')
    op.drop_column('question', 'merged_into_id')
    op.drop_column('question', 'source')
