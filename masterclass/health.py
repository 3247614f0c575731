"""/sante: what a monitor needs to see before a moderator does.

Each check is a JSON field: the database answers, it takes writes, the upload folder takes
files, and the free space (MB) where each lives is above MIN_FREE_MB. HTTP 200 with
``status: "ok"`` when every check passes, 503 with ``status: "error"`` and ``problems`` (the
names of the failed checks) otherwise.
"""

import os
import sqlite3
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .db import BUSY_TIMEOUT_MS
from .extensions import db

bp = Blueprint("health", __name__)


def _free_mb(path: Path) -> int | None:
    """Free space (for an unprivileged writer) on the filesystem holding path, in MB."""
    try:
        stat = os.statvfs(path)
    except OSError:
        return None
    return stat.f_bavail * stat.f_frsize // (1024 * 1024)


def _sqlite_path() -> Path | None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        current_app.logger.exception("Health check: database does not answer")
        db.session.rollback()
        return False


def _database_writable(path: Path | None) -> bool:
    """Can a write begin? A connection of its own takes the write lock and lets it go at once
    (nothing is written); a read-only file, folder or filesystem refuses it."""
    if path is None:  # another database server: a write transaction says it
        try:
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # a standby, or default_transaction_read_only
                    return conn.execute(text("SHOW transaction_read_only")).scalar() == "off"
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return False
        for item in (path, path.parent):
            if not os.access(item, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
                return False
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
        return True
    except (OSError, sqlite3.Error) as error:
        current_app.logger.error("Health check: database not writable: %s", error)
        return False


def _folder_writable(path: Path) -> bool:
    """Is the upload folder there, and does it take a file? (A temporary one, removed.)"""
    try:
        fd, name = tempfile.mkstemp(dir=path, prefix=".upload-sante-")
        os.close(fd)
        os.unlink(name)
        return True
    except OSError as error:
        current_app.logger.error("Health check: upload folder %s not writable: %s", path, error)
        return False


@bp.get("/sante")
def health():
    db_path = _sqlite_path()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    minimum = int(current_app.config["MIN_FREE_MB"])
    answers = _database_answers()
    report = {
        "database": "ok" if answers else "unavailable",
        "database_writable": answers and _database_writable(db_path),
        "upload_folder_writable": _folder_writable(upload_dir),
        "database_free_mb": _free_mb(db_path.parent) if db_path else None,
        "upload_free_mb": _free_mb(upload_dir),
        "min_free_mb": minimum,
    }
    problems = [name for name in ("database_writable", "upload_folder_writable") if not report[name]]
    if not answers:
        problems.insert(0, "database")
    for name in ("database_free_mb", "upload_free_mb"):
        if report[name] is not None and report[name] < minimum:
            problems.append(name)
    if problems:
        return jsonify(status="error", problems=problems, **report), 503
    return jsonify(status="ok", **report)
