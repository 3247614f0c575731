"""The WAL cannot grow without bound: a long séance keeps it checkpointed and trimmed."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from masterclass.db import WAL_SIZE_LIMIT, write_transaction
from masterclass.extensions import db
from masterclass.models import Question, Seance

# The disk and file faults of a SQLite site (a PostgreSQL server's are its own: see
# tests/test_postgresql.py for a server going away).
pytestmark = pytest.mark.sqlite_only


def wal_size(app) -> int:
    wal = Path(db.engine.url.database + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def burst(seance_id: int, count: int, label: str):
    for i in range(count):
        with write_transaction() as session:
            session.add(Question(seance_id=seance_id, body=f"{label} {i} : " + "mot " * 60, status="pending"))
            session.execute(text("UPDATE seance SET version = version + 1 WHERE id = :id"), {"id": seance_id})


def test_wal_is_checkpointed_and_trimmed_after_a_long_write_burst(app, make_seance):
    seance_id = make_seance().id
    assert db.session.execute(text("PRAGMA journal_size_limit")).scalar() == WAL_SIZE_LIMIT
    assert 0 < db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() <= 1000
    # A reader that keeps its snapshot (a slow request, a backup) stops checkpoints from
    # catching up meanwhile: the WAL grows past the limit.
    reader = sqlite3.connect(db.engine.url.database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM question").fetchone()
    burst(seance_id, 1500, "Pendant la lecture")
    grown = wal_size(app)
    assert grown > WAL_SIZE_LIMIT, grown
    reader.execute("COMMIT")
    reader.close()
    # The séance goes on: checkpoints catch up and the WAL is cut back to the limit.
    burst(seance_id, 300, "Après")
    assert wal_size(app) <= WAL_SIZE_LIMIT, (grown, wal_size(app))
    db.session.rollback()
    assert db.session.scalar(select(Seance.version).where(Seance.id == seance_id)) >= 1800
    assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
