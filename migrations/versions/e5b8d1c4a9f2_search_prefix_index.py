"""search index: prefix indexes, and each kind in its own rowid range

Prefix queries (every search word is one) then read one precomputed doclist instead of
merging every term that starts with the prefix, and "newest matches of one kind" is a rowid
range FTS5 seeks to, instead of a filter on every match: a search costs about the same at
100 or 10,000 séances.

Revision ID: e5b8d1c4a9f2
Revises: d7a3c9e2f810
Create Date: 2026-11-25 23:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b8d1c4a9f2'
down_revision = 'd7a3c9e2f810'
branch_labels = None
depends_on = None

# Self-contained (later code changes must not change this migration): kind codes 1, 2, 3
# for séance, question, fiche; the new rowid is code * 2**40 + id, the old one id * 4 + code.
SPAN = 1 << 40
COLUMNS = "kind UNINDEXED, ref_id UNINDEXED, seance_id UNINDEXED, title, body"
TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
CODE = "CASE kind WHEN 'seance' THEN 1 WHEN 'question' THEN 2 ELSE 3 END"


def _rebuild(options: str, new_rowid: str) -> None:
    op.execute(f"CREATE VIRTUAL TABLE search_index_new USING fts5({COLUMNS}, {options})")
    op.execute(f"""INSERT INTO search_index_new (rowid, kind, ref_id, seance_id, title, body)
        SELECT {new_rowid}, kind, ref_id, seance_id, title, body FROM search_index""")
    op.execute("DROP TABLE search_index")
    op.execute("ALTER TABLE search_index_new RENAME TO search_index")
    op.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(f"{TOKENIZE}, prefix = '3 4 5 6 7 8 9 10'", f"{CODE} * {SPAN} + ref_id")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(TOKENIZE, f"ref_id * 4 + {CODE}")
