"""public record: written answers, Markdown summaries, the fiche draft's text, drafted fiches

Questions get a written answer (sanitised HTML) and its time; séances say how their summary was
typed (existing rows: "html", shown as before) and keep the Markdown source, and the draft
fiche's free text; a fiche made from the draft is marked, so attaching again replaces it.
A written answer is on public pages: the question trigger of public_generation now fires on it.

Revision ID: c8e2f4a6b1d3
Revises: e3b7a1f9c2d4
Create Date: 2026-11-28 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e2f4a6b1d3'
down_revision = 'e3b7a1f9c2d4'
branch_labels = None
depends_on = None

BUMP = "BEGIN UPDATE public_generation SET value = value + 1; END"
QUESTION_WHEN = ("AFTER UPDATE OF {columns} ON question "
                 "WHEN NOT (OLD.status = 'pending' AND NEW.status = 'pending')")


def _create(name: str, when: str) -> None:
    """CREATE TRIGGER in the engine's own words (PostgreSQL: row-level, the plpgsql function
    of migration d9f1b7c3e5a2, the WHEN condition in parentheses)."""
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"CREATE TRIGGER {name} {when} {BUMP}")
        return
    head, _, condition = when.partition(" WHEN ")
    op.execute(f"CREATE TRIGGER {name} {head} FOR EACH ROW "
               + (f"WHEN ({condition}) " if condition else "")
               + "EXECUTE FUNCTION bump_public_generation()")


def _drop(name: str) -> None:
    table = name.split("_")[0]
    on = f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"DROP TRIGGER IF EXISTS {name}{on}")


def upgrade():
    # Plain ADD COLUMN (no table rebuild): the tables' triggers stay.
    op.add_column('question', sa.Column('answer_html', sa.Text(), nullable=True))
    op.add_column('question', sa.Column('answer_source', sa.Text(), nullable=True))
    op.add_column('question', sa.Column('answered_at', sa.DateTime(), nullable=True))
    op.add_column('seance', sa.Column('summary_format', sa.String(length=10), nullable=False,
                                      server_default='html'))
    op.add_column('seance', sa.Column('summary_source', sa.Text(), nullable=False, server_default=''))
    op.add_column('seance', sa.Column('fiche_intro', sa.Text(), nullable=False, server_default=''))
    op.add_column('seance', sa.Column('fiche_key_points', sa.Text(), nullable=False, server_default=''))
    op.add_column('fiche', sa.Column('drafted', sa.Boolean(), nullable=False, server_default=sa.false()))
    _drop("question_update_public_generation")
    _create("question_update_public_generation",
            QUESTION_WHEN.format(columns="seance_id, author, body, status, answer_html"))


def downgrade():
    _drop("question_update_public_generation")
    _create("question_update_public_generation", QUESTION_WHEN.format(columns="seance_id, author, body, status"))
    # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), not a table rebuild that would drop triggers.
    op.drop_column('fiche', 'drafted')
    for column in ('fiche_key_points', 'fiche_intro', 'summary_source', 'summary_format'):
        op.drop_column('seance', column)
    op.drop_column('question', 'answered_at')
    op.drop_column('question', 'answer_source')
    op.drop_column('question', 'answer_html')
