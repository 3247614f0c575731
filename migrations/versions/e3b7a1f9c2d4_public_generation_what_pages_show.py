"""public generation bumped only by what public pages show, not by votes or counters

A vote bumps its séance's version (the live lists' ETag) and updated_at; that threw away every
cached page of the site (home, archive, search), though none shows votes. The triggers now fire
on the columns public pages show: a séance's own fields, a question's text, author and status
(a pending question is on no public page), a fiche's fields. Votes, download counts, the live
version and pins change only the live views, which key their cache on the séance's version.

Revision ID: e3b7a1f9c2d4
Revises: d9f1b7c3e5a2
Create Date: 2026-11-28 15:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e3b7a1f9c2d4'
down_revision = 'd9f1b7c3e5a2'
branch_labels = None
depends_on = None

BUMP = "BEGIN UPDATE public_generation SET value = value + 1; END"
SEANCE_SHOWN = ("title, slug, starts_at, city, venue, theme_id, speaker_name, speaker_role, concept, "
                "summary_html, published, published_at, join_code, questions_open")
QUESTION_SHOWN = "seance_id, author, body, status"
FICHE_SHOWN = "seance_id, title, description, original_name, stored_name, mime_type, size, position"

TRIGGERS = {
    "seance_update_public_generation": f"AFTER UPDATE OF {SEANCE_SHOWN} ON seance",
    "question_insert_public_generation": "AFTER INSERT ON question WHEN NEW.status <> 'pending'",
    "question_update_public_generation": f"AFTER UPDATE OF {QUESTION_SHOWN} ON question "
                                         "WHEN NOT (OLD.status = 'pending' AND NEW.status = 'pending')",
    "question_delete_public_generation": "AFTER DELETE ON question WHEN OLD.status <> 'pending'",
    "fiche_insert_public_generation": "AFTER INSERT ON fiche",
    "fiche_update_public_generation": f"AFTER UPDATE OF {FICHE_SHOWN} ON fiche",
    "fiche_delete_public_generation": "AFTER DELETE ON fiche",
}


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
    _drop("seance_update_public_generation")
    for name, when in TRIGGERS.items():
        _create(name, when)


def downgrade():
    for name in TRIGGERS:
        _drop(name)
    _create("seance_update_public_generation", "AFTER UPDATE ON seance")
