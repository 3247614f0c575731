"""search index

Revision ID: b9173ea8f4db
Revises: 5dce82d6867e
Create Date: 2026-11-25 21:51:28.434733

"""
import html
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9173ea8f4db'
down_revision = '5dce82d6867e'
branch_labels = None
depends_on = None


# The FTS5 index of masterclass.search.index (SQLite only; another database would get its
# own full-text structure in a migration of its own).
CREATE = """
CREATE VIRTUAL TABLE search_index USING fts5(
    kind UNINDEXED, ref_id UNINDEXED, seance_id UNINDEXED, title, body,
    tokenize = 'unicode61 remove_diacritics 2'
)
"""


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(CREATE)
    # Index what exists (self-contained: later code changes must not change this migration).
    op.execute("""INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT f.id * 4 + 3, 'fiche', f.id, f.seance_id, f.title, f.description
        FROM fiche f JOIN seance s ON s.id = f.seance_id WHERE s.published = 1""")
    op.execute("""INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT q.id * 4 + 2, 'question', q.id, q.seance_id, '', q.body
        FROM question q JOIN seance s ON s.id = q.seance_id
        WHERE s.published = 1 AND q.status IN ('approved', 'answered')""")
    rows = bind.execute(sa.text(
        "SELECT s.id, s.title, s.concept, s.summary_html, s.speaker_name, s.speaker_role, s.city, "
        "s.venue, coalesce(t.name, '') FROM seance s LEFT JOIN theme t ON t.id = s.theme_id "
        "WHERE s.published = 1")).all()
    for seance_id, title, concept, summary, *rest in rows:
        plain = html.unescape(re.sub(r"<[^>]+>", " ", summary or ""))
        bind.execute(sa.text(
            "INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body) "
            "VALUES (:rowid, 'seance', :id, :id, :title, :body)"),
            {"rowid": seance_id * 4 + 1, "id": seance_id, "title": title,
             "body": " ".join([concept or "", plain, *rest])})


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_index")
