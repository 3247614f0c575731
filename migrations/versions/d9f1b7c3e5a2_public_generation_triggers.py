"""public generation bumped by the database: every change to a séance or a theme, in its own transaction

The page cache's signature was max(updated_at), a wall-clock time: two app servers whose clocks
differ, or one clock stepping back, wrote a change older than the last one and no cached page
saw it. The database now gives the order: a counter bumped by triggers in the same transaction
as the change (every visible change to questions and fiches bumps their séance's version).

Revision ID: d9f1b7c3e5a2
Revises: b3d8f5a1c6e2
Create Date: 2026-11-28 14:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd9f1b7c3e5a2'
down_revision = 'b3d8f5a1c6e2'
branch_labels = None
depends_on = None

TABLES = ('seance', 'theme')
EVENTS = ('insert', 'update', 'delete')


# PostgreSQL: the same counter, bumped by one trigger function (plpgsql), row-level triggers.
PG_FUNCTION = """CREATE OR REPLACE FUNCTION bump_public_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public_generation SET value = value + 1;
    RETURN NULL;
END $$"""


def upgrade():
    op.execute("INSERT INTO public_generation (id, value) SELECT 1, 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM public_generation)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"CREATE TRIGGER {table}_{event}_public_generation AFTER {event.upper()} "
                           f"ON {table} FOR EACH ROW EXECUTE FUNCTION bump_public_generation()")
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER {table}_{event}_public_generation AFTER {event.upper()} "
                       f"ON {table} BEGIN UPDATE public_generation SET value = value + 1; END")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_public_generation"
                       + (f" ON {table}" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS bump_public_generation()")
