"""seance language: the projector screen, the Atom feed and the PDF fiche draft speak it

French for every existing séance. The feed shows it (its entries' dates), so the trigger of
public_generation on séance updates now fires on it too.

Revision ID: a4c6e8f0b2d1
Revises: c8e2f4a6b1d3
Create Date: 2026-11-29 04:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c6e8f0b2d1'
down_revision = 'c8e2f4a6b1d3'
branch_labels = None
depends_on = None

BUMP = "BEGIN UPDATE public_generation SET value = value + 1; END"
SEANCE_SHOWN = ("title, slug, starts_at, city, venue, theme_id, speaker_name, speaker_role, concept, "
                "summary_html, published, published_at, join_code, questions_open")


def upgrade():
    # Plain ADD COLUMN (no table rebuild): the table's triggers stay.
    op.add_column('seance', sa.Column('language', sa.String(length=5), nullable=False, server_default='fr'))
    op.execute("DROP TRIGGER IF EXISTS seance_update_public_generation")
    op.execute("CREATE TRIGGER seance_update_public_generation "
               f"AFTER UPDATE OF {SEANCE_SHOWN}, language ON seance {BUMP}")


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS seance_update_public_generation")
    op.execute(f"CREATE TRIGGER seance_update_public_generation AFTER UPDATE OF {SEANCE_SHOWN} ON seance {BUMP}")
    op.execute("ALTER TABLE seance DROP COLUMN language")  # SQLite >= 3.35: no rebuild, triggers stay
