"""What a visitor sees in a response."""

from bs4 import BeautifulSoup


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response) -> str:
    """The words a visitor reads on the page, whitespace collapsed."""
    return " ".join(soup(response).get_text(" ").split())


def csrf_token(client, url: str = "/") -> str:
    """The CSRF token a page gives this client (the one htmx sends from <body>)."""
    import json

    page = soup(client.get(url))
    return json.loads(page.body["hx-headers"])["X-CSRFToken"]


# What htmx sends with each of its requests (it always says from which page).
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


# The engine the suite runs on (tests/conftest.py): "sqlite", or "postgresql" when
# MASTERCLASS_TEST_DATABASE_URL names a PostgreSQL server.
ENGINE = "postgresql" if __import__("os").environ.get("MASTERCLASS_TEST_DATABASE_URL") else "sqlite"


def hold_the_write_lock(engine):
    """Another process's writer holding the database's write lock (SQLite: BEGIN IMMEDIATE on
    the file; PostgreSQL: the app's advisory lock in an open transaction). Returns release()."""
    if engine.dialect.name == "sqlite":
        import sqlite3

        holder = sqlite3.connect(engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")

        def release():
            holder.execute("ROLLBACK")
            holder.close()
        return release
    import psycopg

    from masterclass.db import WRITE_LOCK_KEY

    holder = psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))

    def release():
        holder.rollback()
        holder.close()
    return release


def words(text: str) -> str:
    """Text with its whitespace collapsed, no-break spaces (French typography) read as spaces."""
    return " ".join(text.split())


def post(client, url, htmx=False, **data):
    """A form posted as the page would (its CSRF token; as htmx when ``htmx``)."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client)},
                       headers=HTMX if htmx else {})


def fresh(question_id):
    """A question as stored now (the test's own session forgets its snapshot first)."""
    from masterclass.extensions import db
    from masterclass.models import Question

    db.session.rollback()
    return db.session.get(Question, question_id)


def open_demo() -> str:
    """The demo loaded and its séance opened to questions (in the app context): its slug."""
    from sqlalchemy import select

    from masterclass.db import write_transaction
    from masterclass.demo import load_demo
    from masterclass.models import Seance

    load_demo()
    with write_transaction() as session:
        seance = session.scalar(select(Seance))
        seance.questions_open = True
        slug = seance.slug
    return slug
