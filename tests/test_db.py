"""Engine settings and write transactions (SQLite's and PostgreSQL's, each with its counterpart)."""

import sqlite3

import pytest
from sqlalchemy import text

from masterclass.db import write_transaction
from masterclass.extensions import db


@pytest.mark.sqlite_only
def test_connection_pragmas(app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


@pytest.mark.postgresql_only
def test_connection_settings_on_postgresql(app):
    """The counterpart of the pragmas: a lock waited on too long fails (then 503 "busy"),
    a runaway statement is stopped, and the isolation is READ COMMITTED under the write lock."""
    assert db.session.execute(text("SHOW lock_timeout")).scalar() == "5s"
    assert db.session.execute(text("SHOW statement_timeout")).scalar() == "30s"
    assert db.session.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
    assert db.engine.pool.size() == 5 and db.engine.dialect.driver == "psycopg"


@pytest.mark.postgresql_only
def test_write_transaction_holds_the_write_lock_from_its_start_on_postgresql(app, demo):
    """The counterpart of BEGIN IMMEDIATE: the advisory lock is held from the first statement
    to the commit; another writer waits, then gets it."""
    import psycopg

    from masterclass.db import WRITE_LOCK_KEY

    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:
        with write_transaction() as session:
            session.execute(text("SELECT 1"))
            assert other.execute("SELECT pg_try_advisory_lock(%s)", (WRITE_LOCK_KEY,)).fetchone()[0] is False
        assert other.execute("SELECT pg_try_advisory_lock(%s)", (WRITE_LOCK_KEY,)).fetchone()[0] is True
        other.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))


@pytest.mark.postgresql_only
def test_a_writer_held_too_long_is_a_french_503_with_the_question_kept(make_app):
    """Another process holds the write lock past lock_timeout: the phone gets 503, Retry-After,
    its text back; nothing written."""
    import psycopg

    from masterclass.db import WRITE_LOCK_KEY
    from masterclass.demo import load_demo
    from masterclass.models import Question, Seance

    from .helpers import csrf_token, text_of

    app = make_app(DATABASE_LOCK_TIMEOUT_MS=300)
    with app.app_context():
        load_demo()
        with write_transaction() as session:
            seance = session.scalar(db.select(Seance))
            seance.questions_open = True
        page = f"/seances/{seance.slug}/questions"
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        db.session.remove()
        client = app.test_client()
        token = csrf_token(client, page)
        with psycopg.connect(url) as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            response = client.post(page, data={"body": "Une question qui doit revenir ?", "author": "",
                                               "csrf_token": token})
            other.rollback()
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert "Une question qui doit revenir ?" in response.get_data(as_text=True)
        assert "la vôtre n’est pas encore partie" in text_of(response)
        assert db.session.scalar(db.select(db.func.count(Question.id)).where(
            Question.body == "Une question qui doit revenir ?")) == 0
        db.session.remove()


@pytest.mark.sqlite_only
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


@pytest.mark.parametrize("refused", [False, True])
def test_after_a_write_transaction_the_session_reads_afresh(app, demo, refused):
    """What views rely on instead of expiring the session themselves: once a service's write
    transaction has committed or rolled back, an object read before it shows what is stored."""
    from masterclass.models import Seance

    seance = db.session.get(Seance, demo.id)
    assert seance.city == "Anzin"
    with db.engine.begin() as other:  # another request's write, committed meanwhile
        other.execute(text("UPDATE seance SET city = 'Valenciennes' WHERE id = :id"), {"id": demo.id})
    try:
        with write_transaction() as session:
            session.execute(text("SELECT 1"))
            if refused:
                raise LookupError
    except LookupError:
        pass
    assert seance.city == "Valenciennes"


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


FAST_SQL = "SELECT slug, city FROM seance WHERE slug LIKE '%' || ? AND city = ?"


def test_fast_reads_take_qmark_parameters_and_literal_percents(app, demo):
    """The hot reads are written once in qmark style: on SQLite as they are, on PostgreSQL
    with qmarks turned into psycopg's %s and its own % kept literal."""
    reader = app.extensions["fast_reader"]
    assert reader.fast
    suffix = demo.slug[-6:]
    assert reader.one(FAST_SQL, (suffix, "Anzin")) == (demo.slug, "Anzin")
    assert reader.all(FAST_SQL, (suffix, "Anzin")) == [(demo.slug, "Anzin")]
    assert reader.one(FAST_SQL, (suffix, "Ailleurs")) is None
    assert reader.all(FAST_SQL, ("pas-ici", "Anzin")) == []


@pytest.mark.sqlite_only
def test_a_sqlite_database_without_a_file_is_read_through_the_session(app, demo):
    from masterclass.db import FastReader

    reader = FastReader("sqlite://")  # in memory: no other connection sees it, the session does
    assert not reader.fast
    assert reader.one(FAST_SQL, (demo.slug[-6:], "Anzin")) == (demo.slug, "Anzin")
    assert reader.all(FAST_SQL, ("pas-ici", "Anzin")) == []
