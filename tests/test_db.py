"""SQLite settings and write transactions."""

import sqlite3

import pytest
from sqlalchemy import text

from masterclass.db import write_transaction
from masterclass.extensions import db


def test_connection_pragmas(app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_write_transaction_holds_the_write_lock_from_its_start(app, demo):
    path = db.engine.url.database
    with write_transaction() as session:
        session.execute(text("SELECT 1"))  # a read only: a deferred BEGIN would hold no lock
        other = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.rollback()
    other.close()


def test_write_transaction_rolls_back_on_error(app, demo):
    from masterclass.models import Seance

    with pytest.raises(RuntimeError):
        with write_transaction() as session:
            session.get(Seance, demo.id).city = "Ailleurs"
            raise RuntimeError
    db.session.rollback()
    assert db.session.get(Seance, demo.id).city == "Anzin"


def test_foreign_keys_cascade(app, demo):
    from masterclass.models import Question, Seance

    with write_transaction() as session:
        session.delete(session.get(Seance, demo.id))
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_migrations_match_the_models(app):
    """Nothing in the models that a migration does not create (no create_all anywhere)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "render_as_batch": True,
            "include_object": lambda obj, name, type_, *_: not (
                type_ == "table" and name.startswith("search_index"))})
        assert compare_metadata(context, db.metadata) == []
