"""postgresql search: tsvector table, simple + unaccent configuration, one GIN index per kind

Revision ID: 0a9e4c7d2b18
Revises: c8e2f4a6b1d3
Create Date: 2026-11-29 04:50:00

PostgreSQL only (SQLite has its FTS5 table from b9173ea8f4db and e5b8d1c4a9f2). Same table
name and columns as the FTS5 one, so masterclass/search keeps one way of writing rows; the
text is searched through a generated tsvector (title weighted A, body B).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0a9e4c7d2b18'
down_revision = 'c8e2f4a6b1d3'
branch_labels = None
depends_on = None

SPAN = 1 << 40
KINDS = {"seance": 1, "question": 2, "fiche": 3}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # unaccent is a trusted extension: the database's owner may create it (no superuser).
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'masterclass_fr') THEN
            CREATE TEXT SEARCH CONFIGURATION masterclass_fr (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION masterclass_fr
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        END IF;
    END $$""")
    op.execute("""CREATE TABLE search_index (
        rowid bigint PRIMARY KEY,
        kind varchar(10) NOT NULL,
        ref_id integer NOT NULL,
        seance_id integer NOT NULL,
        title text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('masterclass_fr'::regconfig, title), 'A') ||
            setweight(to_tsvector('masterclass_fr'::regconfig, body), 'B')) STORED
    )""")
    for kind in KINDS:
        op.execute(f"CREATE INDEX ix_search_index_{kind} ON search_index USING gin (document) "
                   f"WHERE kind = '{kind}'")
    # Index what exists (self-contained: later code changes must not change this migration).
    op.execute(f"""INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT {KINDS['fiche']} * {SPAN} + f.id, 'fiche', f.id, f.seance_id, f.title, f.description
        FROM fiche f JOIN seance s ON s.id = f.seance_id WHERE s.published""")
    op.execute(f"""INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT {KINDS['question']} * {SPAN} + q.id, 'question', q.id, q.seance_id, '',
               q.body || ' ' || regexp_replace(coalesce(q.answer_html, ''), '<[^>]+>', ' ', 'g')
        FROM question q JOIN seance s ON s.id = q.seance_id
        WHERE s.published AND q.status IN ('approved', 'answered')""")
    op.execute(f"""INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT {KINDS['seance']} * {SPAN} + s.id, 'seance', s.id, s.id, s.title,
               s.concept || ' ' || regexp_replace(coalesce(s.summary_html, ''), '<[^>]+>', ' ', 'g')
               || ' ' || s.speaker_name || ' ' || s.speaker_role || ' ' || s.city || ' ' || s.venue
               || ' ' || coalesce(t.name, '')
        FROM seance s LEFT JOIN theme t ON t.id = s.theme_id WHERE s.published""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS masterclass_fr")
