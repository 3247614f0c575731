"""Fixtures: an app on a fresh, migrated database per test; client, runner, factories.

The engine comes from one variable: MASTERCLASS_TEST_DATABASE_URL unset, SQLite (a copy of a
migrated file per test); set to a PostgreSQL server's URL (scripts/pg-cluster prints one), a
migrated template database made once per session and a clone of it per test (CREATE DATABASE
... TEMPLATE, ~20 ms). Tests that only mean something on one engine carry the marker
``sqlite_only`` or ``postgresql_only`` and are deselected on the other (each has its
counterpart on the other engine)."""

import itertools
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade

from masterclass import create_app
from masterclass.db import write_transaction
from masterclass.extensions import db

from .helpers import ENGINE

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-key-not-for-production"
# A PostgreSQL server to run the suite on (its maintenance database's URL), or None: SQLite.
PG_URL = os.environ.get("MASTERCLASS_TEST_DATABASE_URL") or None


def pytest_collection_modifyitems(config, items):
    """Deselect what only means something on the other engine (its counterpart runs here)."""
    other = "sqlite_only" if ENGINE == "postgresql" else "postgresql_only"
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker(other) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _config(db_path, tmp: Path, **extra) -> dict:
    """Settings for a test app; ``db_path`` a SQLite file, or a database URL."""
    url = db_path if isinstance(db_path, str) else f"sqlite:///{db_path}"
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(tmp / "fiches"),
        "RATELIMIT_ENABLED": False,
        **extra,
    }


class BufferedClient(FlaskClient):
    """A request as from outside: its own app context (own g, own database session), even
    while the test holds one; responses read whole, so files are closed as a browser would.

    The test's own session keeps its snapshot: call db.session.rollback() before reading
    what requests wrote."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


def pg_admin(sql: str) -> None:
    """One statement on the test server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)


def pg_database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    from masterclass.config import normalize_database_url

    url = make_url(normalize_database_url(PG_URL)).set(database=name)
    return url.render_as_string(hide_password=False)


_clone_numbers = itertools.count(1)


def new_pg_database(template: str) -> str:
    """A fresh clone of the migrated template; returns its name (drop it with drop_pg_database)."""
    name = f"mc_{os.getpid()}_{next(_clone_numbers)}"
    pg_admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    return name


def drop_pg_database(name: str) -> None:
    pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def dispose(app) -> None:
    """Close what an app holds open: its engine's pool and its fast readers' connections."""
    app.extensions["fast_reader"].close_all()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """A database made by the real migrations once; each test gets a copy of it (SQLite: the
    file's path; PostgreSQL: the template database's name)."""
    tmp = tmp_path_factory.mktemp("template")
    if PG_URL:
        name = f"mc_template_{os.getpid()}"
        drop_pg_database(name)
        pg_admin(f"CREATE DATABASE {name}")
        app = create_app(_config(pg_database_url(name), tmp))
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        dispose(app)
        yield name
        drop_pg_database(name)
        return
    path = tmp / "template.db"
    app = create_app(_config(path, tmp))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    yield path


@pytest.fixture
def database_url(migrated_db, tmp_path):
    """This test's own database (a copy of the migrated one), as a URL for apps and servers."""
    if not PG_URL:
        path = tmp_path / "masterclass.db"
        if not path.exists():
            shutil.copy(migrated_db, path)
        yield f"sqlite:///{path}"
        return
    name = new_pg_database(migrated_db)
    yield pg_database_url(name)
    drop_pg_database(name)


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on a fresh copy of the migrated database; extra settings as keywords."""
    made = []

    def _make(**extra):
        app = create_app(_config(database_url, tmp_path, **extra))
        app.test_client_class = BufferedClient
        made.append(app)
        return app

    yield _make
    for app in made:
        dispose(app)


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo séance of the seed page, loaded by the real command's service."""
    from masterclass.demo import DEMO_SLUG, load_demo
    from masterclass.models import Seance

    load_demo()
    return db.session.scalar(db.select(Seance).where(Seance.slug == DEMO_SLUG))


@pytest.fixture
def make_seance(app):
    """Factory: a séance (published by default) with a unique slug and join code."""
    from masterclass.models import Seance
    from masterclass.seances.services import get_or_create_theme, new_join_code, unique_slug

    def _make(title="Séance Emploi", starts_at=datetime(2025, 3, 12, 18, 0), city="Valenciennes",
              theme="Emploi", published=True, **fields):
        with write_transaction() as session:
            seance = Seance(
                title=title,
                slug=unique_slug(title, starts_at.date()),
                starts_at=starts_at,
                city=city,
                venue=fields.pop("venue", "Maison de quartier"),
                theme=get_or_create_theme(theme),
                published=published,
                join_code=new_join_code(),
                **fields,
            )
            session.add(seance)
        return seance

    return _make


@pytest.fixture
def make_question(app):
    from masterclass.models import Question

    def _make(seance, body="Comment aider une entreprise à recruter ?", status="approved", **fields):
        from masterclass.seances.services import touch

        with write_transaction() as session:
            question = Question(seance=seance, body=body, status=status, **fields)
            session.add(question)
            touch(session, seance.id)  # what every visible change does
        return question

    return _make


@pytest.fixture
def make_fiche(app):
    """Factory: a fiche stored through the real upload path (content checked, file placed)."""
    import io

    from masterclass.fiches.services import add_fiche, receive

    def _make(seance, data=b"%PDF-1.4\n%test\n", original_name="fiche.pdf",
              title="Fiche de capitalisation", description=""):
        received = receive(io.BytesIO(data), original_name, max_bytes=len(data) + 1)
        return add_fiche(seance.id, received, title, description, user_id=None)

    return _make


@pytest.fixture
def make_user(app):
    """Factory: an account; returns (user, password)."""
    from masterclass.accounts.services import create_or_update_user

    def _make(email="moderatrice@example.org", role="moderator", password="mot de passe sûr"):
        user, _ = create_or_update_user(email, role, password)
        return user, password

    return _make


class Auth:
    """Log a test client in and out through the real forms (CSRF included)."""

    def __init__(self, client, make_user):
        self.client, self.make_user = client, make_user

    def login(self, role="moderator", email=None):
        from .helpers import csrf_token

        email = email or f"{role}@example.org"
        _user, password = self.make_user(email=email, role=role)
        response = self.client.post("/connexion", data={
            "email": email, "password": password, "csrf_token": csrf_token(self.client, "/connexion")})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        from .helpers import csrf_token

        return self.client.post("/deconnexion", data={"csrf_token": csrf_token(self.client)})


@pytest.fixture
def auth(client, make_user):
    return Auth(client, make_user)


@pytest.fixture
def mod(client, auth, demo):
    """A moderator signed in (the client), the demo séance loaded."""
    auth.login(role="moderator", email="mod@example.org")
    return client
