"""The command line of the contract: create-user, load-demo, backup."""

import sqlite3

import pytest
from sqlalchemy import func, select

from masterclass import create_app
from masterclass.extensions import db
from masterclass.models import Fiche, Question, Seance, User


def test_create_user_then_update_it(runner, app):
    result = runner.invoke(args=["create-user", "Anne@Example.org", "--role", "moderator",
                                 "--password", "un mot de passe"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "anne@example.org"))
    assert user.role == "moderator" and user.check_password("un mot de passe")
    assert "un mot de passe" not in user.password_hash
    result = runner.invoke(args=["create-user", "anne@example.org", "--role", "admin",
                                 "--password", "autre mot de passe"])
    assert result.exit_code == 0 and "Updated" in result.output
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "anne@example.org"))
    assert user.role == "admin" and user.check_password("autre mot de passe")
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_user_prompts_for_the_password(runner, app):
    result = runner.invoke(args=["create-user", "b@example.org", "--role", "admin"],
                           input="secret-secret\nsecret-secret\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "b@example.org")).role == "admin"


def test_create_user_refuses_bad_role_and_short_password(runner, app):
    assert runner.invoke(args=["create-user", "c@example.org", "--role", "root",
                               "--password", "longenough"]).exit_code != 0
    assert runner.invoke(args=["create-user", "c@example.org", "--role", "admin",
                               "--password", "court"]).exit_code != 0
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_load_demo_twice_changes_nothing(runner, app):
    from pathlib import Path

    assert "loaded" in runner.invoke(args=["load-demo"]).output
    counts = lambda: [db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
                      for m in (Seance, Question, Fiche)]
    assert counts() == [1, 11, 1]
    files = sorted(p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir())
    assert "already there" in runner.invoke(args=["load-demo"]).output
    assert counts() == [1, 11, 1]
    assert sorted(p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir()) == files


def test_load_demo_if_empty_leaves_a_used_database_alone(runner, make_seance):
    make_seance()
    result = runner.invoke(args=["load-demo", "--if-empty"])
    assert "not loaded" in result.output
    assert db.session.scalar(select(func.count(Seance.id))) == 1


def test_demo_moderator_gets_a_fresh_printed_password(runner, app):
    result = runner.invoke(args=["demo-moderator"])
    password = result.output.split("password:")[1].strip()
    user = db.session.scalar(select(User).where(User.email == "moderateur@example.org"))
    assert user.role == "moderator" and user.check_password(password)


@pytest.mark.sqlite_only
def test_backup_is_a_consistent_copy_that_opens_in_the_app(runner, app, demo, tmp_path):
    dest = tmp_path / "copies" / "backup.db"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy = create_app({"TESTING": True, "SECRET_KEY": "x",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{dest}",
                       "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    with copy.app_context():
        assert db.session.scalar(select(Seance.title)) == "Séance Développement économique"
        db.engine.dispose()


def test_backup_refuses_a_non_sqlite_database(tmp_path):
    # The engine of such a URL needs its driver installed; the check itself does not.
    from sqlalchemy.engine import make_url

    from masterclass.db import BackupError, backup_sqlite

    with pytest.raises(BackupError, match="ne concerne que SQLite"):
        backup_sqlite(make_url("postgresql+psycopg://u:p@localhost/mc"), str(tmp_path / "b.db"))
    assert not (tmp_path / "b.db").exists()


@pytest.mark.sqlite_only
def test_backup_refuses_a_folder_as_destination(runner, demo, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code != 0


@pytest.mark.sqlite_only
def test_copy_database_into_sqlite_is_refused_cleanly(runner, app, tmp_path):
    """copy-database moves a site into PostgreSQL (tests/test_postgresql.py): on SQLite, a clear error."""
    source = tmp_path / "masterclass.db"
    result = runner.invoke(args=["copy-database", "--from", f"sqlite:///{source}"])
    assert result.exit_code == 1 and "doit être PostgreSQL" in result.output
    missing = runner.invoke(args=["copy-database", "--from", f"sqlite:///{tmp_path / 'absent.db'}"])
    assert missing.exit_code == 1 and "introuvable" in missing.output
