"""SQLite done right: pragmas on every connection, IMMEDIATE write transactions, online backup.

pysqlite's own transaction handling starts transactions late and always DEFERRED, so a
read-modify-write can lose an update or fail with "database is locked" when it upgrades.
We take BEGIN over (the SQLAlchemy recipe for pysqlite) and let services ask for
``BEGIN IMMEDIATE`` through :func:`write_transaction`.
"""

import contextvars
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from .extensions import db

BUSY_TIMEOUT_MS = 5000
# The WAL is checkpointed every 1,000 pages (SQLite's default, said explicitly) and, once a
# checkpoint has caught up, cut back to this size, so a reader that held a snapshot through a
# burst (a slow request, a backup) does not leave a WAL as large as the burst for good.
WAL_AUTOCHECKPOINT_PAGES = 1000
WAL_SIZE_LIMIT = 16 * 1024 * 1024

# PostgreSQL: the advisory lock every write transaction takes (any constant of the app's own).
WRITE_LOCK_KEY = 0x6D61737465  # "maste"

_immediate = contextvars.ContextVar("immediate_transaction", default=False)


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let the "begin" listener below emit BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")  # in-memory databases answer "memory"
    cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL, much faster
    cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    # 16 MB of page cache per connection (SQLite's default is 2 MB), so a search's FTS5
    # doclists on a 10,000-séance archive are not read again from the file at every query.
    cursor.execute("PRAGMA cache_size = -16000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def write_transaction():
    """Run a block as one write transaction that takes the write lock up front.

    Any read transaction the request already has is ended first (a deferred read that
    later upgrades to a write is how SQLite loses updates or answers "locked"). On SQLite
    the transaction is BEGIN IMMEDIATE; on PostgreSQL it takes the app's advisory lock.
    Commits on success, rolls back on error; either way every object of the session is then
    expired, so what the caller reads next is what is stored (views never expire it themselves).
    """
    session = db.session()  # the request's own Session behind the scoped proxy
    if session.in_transaction():
        session.commit()
    token = _immediate.set(True)
    try:
        connection = session.connection()  # begins now, as IMMEDIATE on SQLite
    finally:
        _immediate.reset(token)
    try:
        if connection.dialect.name == "postgresql":
            # The same discipline as SQLite's one writer: every write transaction takes one
            # transaction-level advisory lock first (released at commit or rollback), so a
            # read-modify-write under READ COMMITTED reads what the previous writer committed.
            # Waiting longer than lock_timeout raises "lock timeout": a 503 "busy" (faults.py).
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


class FastReadError(Exception):
    """A fast read on PostgreSQL failed: psycopg's error is its cause, its message is psycopg's
    (what ``faults`` reads). psycopg itself is imported only by an app that uses PostgreSQL:
    it and libpq are 10 MB in every worker."""


# What a fast read may raise when the database misbehaves: the caller lets Flask answer.
READ_ERRORS: tuple = (sqlite3.Error, FastReadError)


class FastReader:
    """One-line reads for the hottest questions ("is this still current?"), outside the ORM.

    On SQLite, each thread keeps a read-only autocommit connection to the file: a read costs
    ~10 µs instead of a session's ~100 µs, and sees every committed write (WAL). On PostgreSQL,
    each thread keeps an autocommit psycopg connection (a pool of one per thread, opened on
    first use, opened again after an error): a read is one round trip (~160 µs on loopback
    on a loaded 2-core machine, README); the statements' qmarks become psycopg's %s. A SQLite
    database without a file (in memory) is read through the request's session.
    """

    def __init__(self, database_uri: str, connect_args: dict | None = None):
        url = make_url(database_uri)
        backend = url.get_backend_name()
        self.path = url.database if backend == "sqlite" and url.database else None
        self.pg_conninfo = None
        if backend == "postgresql":
            import psycopg  # only here: see FastReadError

            self._psycopg = psycopg
            self.pg_conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
            args = dict(connect_args or {})
            self.pg_kwargs = {k: args[k] for k in ("connect_timeout", "options") if k in args}
            self.pg_kwargs["application_name"] = "masterclass-fast"
        self._local = threading.local()
        self._open: set = set()
        self._lock = threading.Lock()

    @property
    def fast(self) -> bool:
        """Whether reads go outside Flask (usable before Flask, with no app context)."""
        return self.path is not None or self.pg_conninfo is not None

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.path is not None:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False,
                                       timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            else:
                conn = self._psycopg.connect(self.pg_conninfo, autocommit=True, prepare_threshold=None,
                                       **self.pg_kwargs)
            self._local.conn = conn
            with self._lock:
                self._open.add(conn)
        return conn

    def close(self) -> None:
        """Close this thread's connection (the next read opens a new one)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._lock:
                self._open.discard(conn)
            conn.close()

    def close_all(self) -> None:
        """Close every thread's connection (an app being thrown away: tests, shutdown)."""
        with self._lock:
            connections, self._open = list(self._open), set()
        for conn in connections:
            conn.close()

    def one(self, sql: str, params: tuple = ()) -> tuple | None:
        """The first row of a read (qmark parameters), or None."""
        rows = self._execute(sql, params, first=True)
        return rows[0] if rows else None

    def all(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Every row of a read (qmark parameters)."""
        return self._execute(sql, params, first=False)

    def _execute(self, sql: str, params: tuple, first: bool) -> list[tuple]:
        if self.pg_conninfo is not None:
            return self._execute_pg(sql, params, first)
        if self.path is None:  # SQLite without a file (in memory): only the session sees it
            result = db.session.connection().exec_driver_sql(sql, params)
            rows = [result.first()] if first else result.all()
            return [tuple(row) for row in rows if row is not None]
        cursor = self._connection().execute(sql, params)
        if first:
            row = cursor.fetchone()
            return [row] if row is not None else []
        return cursor.fetchall()

    def _execute_pg(self, sql: str, params: tuple, first: bool) -> list[tuple]:
        statement = _pg_statements.get(sql)
        if statement is None:
            statement = _pg_statements[sql] = sql.replace("%", "%%").replace("?", "%s")
        try:
            cursor = self._connection().execute(statement, params)
            if first:
                row = cursor.fetchone()
                return [row] if row is not None else []
            return cursor.fetchall()
        except self._psycopg.Error as error:
            self.close()  # a server restarted: the next read connects again
            raise FastReadError(str(error)) from error


_pg_statements: dict[str, str] = {}


def fast_read(sql: str, params: tuple = ()) -> tuple | None:
    from flask import current_app

    return current_app.extensions["fast_reader"].one(sql, params)


def fast_read_all(sql: str, params: tuple = ()) -> list[tuple]:
    from flask import current_app

    return current_app.extensions["fast_reader"].all(sql, params)


class BackupError(Exception):
    pass


def backup_sqlite(url: URL, dest: str) -> int:
    """Copy the live SQLite database to ``dest`` with the online backup API.

    Returns the number of pages copied; raises BackupError when the database is not
    SQLite or the copy fails its integrity check.
    """
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "La sauvegarde en ligne ne concerne que SQLite : "
            f"la base configurée est « {url.get_backend_name()} ». "
            "Utilisez l'outil de sauvegarde de ce serveur (pg_dump pour PostgreSQL)."
        )
    dest_path, tmp_path = _backup_paths(dest)
    source = sqlite3.connect(url.database, timeout=BUSY_TIMEOUT_MS / 1000)
    target = sqlite3.connect(tmp_path)
    try:
        # Small steps let writers go on between them; the backup restarts if they write.
        source.backup(target, pages=256, sleep=0.005)
        target.execute("PRAGMA journal_mode = DELETE")
        pages = target.execute("PRAGMA page_count").fetchone()[0]
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if result != "ok":
        tmp_path.unlink(missing_ok=True)
        raise BackupError(f"La copie ne passe pas le contrôle d'intégrité : {result}")
    tmp_path.replace(dest_path)
    return pages


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not candidates:
        raise BackupError(f"{name} est introuvable : installez les outils clients de PostgreSQL "
                          "(Debian : postgresql-client).")
    return str(candidates[-1])


def backup_postgresql(url: URL, dest: str) -> int:
    """pg_dump of the live database (one consistent snapshot) in custom format to a temporary
    name, checked by pg_restore --list, then renamed. Returns the number of entries listed."""
    import os
    import subprocess

    dest_path, tmp_path = _backup_paths(dest)
    conninfo = url.set(drivername="postgresql")
    env = {**os.environ}
    if conninfo.password:
        env["PGPASSWORD"] = conninfo.password  # not on the command line, where ps shows it
    dbname = conninfo.set(password=None).render_as_string(hide_password=False)
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp_path),
               "--dbname", dbname]
    dump = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if dump.returncode != 0:
        tmp_path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump a échoué : {dump.stderr.strip()}")
    listing = subprocess.run([_pg_tool("pg_restore"), "--list", str(tmp_path)],  # noqa: S603
                             capture_output=True, text=True, check=False)
    entries = [line for line in listing.stdout.splitlines() if line and not line.startswith(";")]
    if listing.returncode != 0 or not entries:
        tmp_path.unlink(missing_ok=True)
        raise BackupError(f"La copie ne se relit pas (pg_restore --list) : {listing.stderr.strip()}")
    tmp_path.replace(dest_path)
    return len(entries)


def _backup_paths(dest) -> tuple[Path, Path]:
    """Where a backup goes, and the temporary name it is written under until checked."""
    dest_path = Path(dest)
    if dest_path.is_dir():
        raise BackupError(f"{dest} est un dossier : donnez le chemin du fichier de copie.")
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = dest_path.with_name(dest_path.name + ".partial")
    tmp_path.unlink(missing_ok=True)
    return dest_path, tmp_path
