"""Moving house: a whole SQLite site copied into an empty, migrated PostgreSQL database.

`flask copy-database --from sqlite:///instance/masterclass.db` (the target is the configured
database). All or nothing: one transaction on the target, which takes the app's write lock;
tables in dependency order, rows in batches, each table's count checked against the source's,
sequences set past the highest id, the search index rebuilt. A target that already holds a
séance, a question, an account... is refused, as is a source file that does not exist or a
source whose migrations are not the target's.
"""

from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from . import models  # noqa: F401  (every model registered)
from .db import WRITE_LOCK_KEY
from .extensions import db
from .search.index import rebuild

BATCH = 1000
# Rows the migrations themselves write: not a sign of a used database, replaced by the source's.
MIGRATION_ROWS = {"public_generation"}


class CopyError(Exception):
    pass


def _tables():
    return db.metadata.sorted_tables  # parents before children


def _revision(connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no alembic_version table: not a migrated site
        return None


def copy_database(source_url: str, target_engine) -> dict[str, int]:
    """Copy every table; returns the rows copied per table. Raises CopyError (nothing written)."""
    url = make_url(source_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise CopyError(f"La source doit être un fichier SQLite (sqlite:///chemin), pas « {source_url} ».")
    if not Path(url.database).is_file():
        raise CopyError(f"Fichier source introuvable : {url.database}")
    if target_engine.dialect.name != "postgresql":
        raise CopyError("La base configurée (MASTERCLASS_DATABASE_URL) doit être PostgreSQL : "
                        f"c'est « {target_engine.dialect.name} ».")
    source_engine = create_engine(f"sqlite:///file:{url.database}?mode=ro&uri=true")
    try:
        with source_engine.connect() as source, target_engine.connect() as target:
            return _copy(source, target)
    finally:
        source_engine.dispose()


def _copy(source, target) -> dict[str, int]:
    tables = _tables()
    source_revision, target_revision = _revision(source), _revision(target)
    target.rollback()  # those reads' transaction: the copy has one of its own
    if target_revision is None:
        raise CopyError("La base cible n'est pas migrée : lancez d'abord « flask db upgrade ».")
    if source_revision is None:
        raise CopyError("Le fichier source n'est pas une base du site (aucune migration).")
    # The target is migrated to head; the source may be older: migrate it first (a copy of it).
    if source_revision != target_revision:
        raise CopyError(f"La source est à la migration {source_revision}, la cible à {target_revision} : "
                        "migrez la source (« flask db upgrade » sur une copie) avant de la copier.")
    with target.begin():
        target.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        used = [t.name for t in tables if t.name not in MIGRATION_ROWS
                and target.execute(select(func.count()).select_from(t)).scalar()]
        if used:
            raise CopyError("La base cible n'est pas vide (tables " + ", ".join(used) + ") : "
                            "copiez dans une base neuve, seulement migrée.")
        copied = {}
        for table in tables:
            if table.name in MIGRATION_ROWS:
                target.execute(table.delete())
            count = 0
            rows = source.execute(select(table)).mappings()
            while batch := rows.fetchmany(BATCH):
                target.execute(table.insert(), [dict(row) for row in batch])
                count += len(batch)
            in_target = target.execute(select(func.count()).select_from(table)).scalar()
            if in_target != count:
                raise CopyError(f"Table {table.name} : {count} lignes lues, {in_target} écrites. "
                                "Rien n'est copié.")
            copied[table.name] = count
        for table in tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.type.python_type is int:
                name = target.dialect.identifier_preparer.quote(table.name)
                target.execute(text(
                    f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "  # noqa: S608 (our table names)
                    f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false) "
                    f"WHERE pg_get_serial_sequence(:table, 'id') IS NOT NULL"), {"table": name})
        copied["search_index"] = rebuild(_On(target))
    return copied


class _On:
    """What search.index.rebuild needs of a session: the connection to write on."""

    def __init__(self, connection):
        self._connection = connection

    def connection(self):
        return self._connection
