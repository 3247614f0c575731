"""seance language: the projector screen, the Atom feed and the PDF fiche draft speak it

French for every existing séance. The feed shows it (its entries' dates), so the trigger of
public_generation on séance updates now fires on it too.

Revision ID: a4c6e8f0b2d1
Revises: f7c1d2e3a4b5
Create Date: 2026-11-29 05:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c6e8f0b2d1'
down_revision = 'f7c1d2e3a4b5'
branch_labels = None
depends_on = None

BUMP = "BEGIN UPDATE public_generation SET value = value + 1; END"
SEANCE_SHOWN = ("title, slug, starts_at, city, venue, theme_id, speaker_name, speaker_role, concept, "
                "summary_html, published, published_at, join_code, questions_open")
TRIGGER = "seance_update_public_generation"


def _create(columns: str) -> None:
    """The séance trigger in the engine's own words (as in migration e3b7a1f9c2d4)."""
    when = f"AFTER UPDATE OF {columns} ON seance"
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"CREATE TRIGGER {TRIGGER} {when} {BUMP}")
    else:
        op.execute(f"CREATE TRIGGER {TRIGGER} {when} FOR EACH ROW EXECUTE FUNCTION bump_public_generation()")


def _drop() -> None:
    on = " ON seance" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}{on}")


def upgrade():
    # Plain ADD COLUMN (no table rebuild): the table's triggers stay.
    op.add_column('seance', sa.Column('language', sa.String(length=5), nullable=False, server_default='fr'))
    _drop()
    _create(f"{SEANCE_SHOWN}, language")


def downgrade():
    _drop()
    _create(SEANCE_SHOWN)
    op.execute("ALTER TABLE seance DROP COLUMN language")  # SQLite >= 3.35: no rebuild, triggers stay
