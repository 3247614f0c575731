"""Faults provoked for real: small tmpfs disks filled up or remounted read-only, folders
removed. Mounting needs root (CI runs as root); elsewhere these tests skip, saying why."""

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from masterclass import create_app
from masterclass.extensions import db

from ..conftest import (
    PG_URL,
    TEST_SECRET,
    BufferedClient,
    dispose,
    drop_pg_database,
    new_pg_database,
    pg_database_url,
)

needs_root = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="needs root to mount a small tmpfs and fill it for real (CI runs as root)")


class Disk:
    """A small tmpfs mounted on a folder of the test: fill it, free it, remount it read-only."""

    def __init__(self, path: Path):
        self.path = path
        self.filler = path / "remplissage"

    def fill(self):
        """Write until the disk refuses (ENOSPC), down to the last page."""
        with open(self.filler, "ab", buffering=0) as fh:
            for size in (1 << 20, 1 << 16, 1 << 12, 1):
                block = b"\0" * size
                while True:
                    try:
                        fh.write(block)
                    except OSError as error:
                        if error.errno != errno.ENOSPC:
                            raise
                        break

    def free(self):
        self.filler.unlink(missing_ok=True)

    def readonly(self, on: bool = True):
        option = "remount,ro" if on else "remount,rw"
        subprocess.run(["mount", "-o", option, str(self.path)], check=True)

    def free_bytes(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize


@pytest.fixture
def small_disk(tmp_path):
    """Factory: small_disk("name", "4m") mounts a tmpfs of that size at tmp_path/name."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs and fill it for real (CI runs as root)")
    mounted = []

    def _mount(name: str, size: str = "4m") -> Disk:
        path = tmp_path / name
        path.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                       check=True)
        mounted.append(path)
        return Disk(path)

    yield _mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


def make_fault_app(db_path: Path | str, upload_dir: Path, **extra):
    """An app on a database (a SQLite file where the test wants it, or a URL) and an upload
    folder placed where the test wants them."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": db_path if isinstance(db_path, str) else f"sqlite:///{db_path}",
        "UPLOAD_DIR": str(upload_dir),
        "RATELIMIT_ENABLED": False,
        **extra,
    })
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def app_on(migrated_db):
    """Factory: an app whose database (a copy of the migrated one) sits in db_dir (on
    PostgreSQL: a clone of the template, wherever the server keeps it)."""
    made, databases = [], []

    def _make(db_dir: Path, upload_dir: Path, **extra):
        if PG_URL:
            databases.append(new_pg_database(migrated_db))
            db_path = pg_database_url(databases[-1])
        else:
            db_path = db_dir / "masterclass.db"
            shutil.copy(migrated_db, db_path)
        app = make_fault_app(db_path, upload_dir, **extra)
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            db.session.remove()
        dispose(app)
    for name in databases:
        drop_pg_database(name)


@pytest.fixture
def auth_on():
    """Factory: a client of this app, signed in as a moderator through the real form."""
    from masterclass.accounts.services import create_or_update_user

    from ..helpers import csrf_token

    def _login(app, email="moderatrice@example.org", password="mot de passe sûr"):
        with app.app_context():
            create_or_update_user(email, "moderator", password)
            db.session.remove()
        client = app.test_client()
        response = client.post("/connexion", data={
            "email": email, "password": password, "csrf_token": csrf_token(client, "/connexion")})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login
