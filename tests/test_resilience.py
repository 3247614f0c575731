"""Through the real production server: a stop in the middle of a burst, a backup during one."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text

from masterclass import create_app
from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import Seance

from .realserver import ROOT, Gunicorn, Phone


@pytest.fixture
def slug(app, demo):
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    slug = demo.slug
    db.session.remove()
    db.engine.dispose()
    return slug


def phones(base, path, count):
    def prepare(_i):
        phone = Phone(base)
        phone.open_page(path)
        return phone

    with ThreadPoolExecutor(max_workers=50) as pool:
        return list(pool.map(prepare, range(count)))


def burst(prepared, path, label, until_taken=False):
    """Every phone posts at once; returns (status or error, body sent) for each. until_taken: a
    phone told "busy, try again" (503) sends again, as its person would."""
    def send(item):
        i, phone = item
        body = f"{label} numéro {i} ?"
        try:
            post = phone.post_until_taken if until_taken else phone.post
            status, _headers, _text = post(path, {"body": body})
        except OSError as error:  # refused or reset while the server stops
            return f"error: {error.__class__.__name__}", body
        return status, body

    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        return list(pool.map(send, enumerate(prepared)))


def stored_bodies(db_path: Path | str, label: str) -> set[str]:
    """Question bodies stored under a label: a SQLite file, or any database's URL."""
    if isinstance(db_path, str):
        from sqlalchemy import create_engine

        from masterclass.config import normalize_database_url

        engine = create_engine(normalize_database_url(db_path))
        try:
            with engine.connect() as conn:
                return set(conn.execute(text("SELECT body FROM question WHERE body LIKE :label"),
                                        {"label": f"{label}%"}).scalars())
        finally:
            engine.dispose()
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("SELECT body FROM question WHERE body LIKE ?", (f"{label}%",))}


def test_sigterm_in_the_middle_of_a_burst_loses_no_acknowledged_question(slug, tmp_path, database_url):
    db_path, path = database_url, f"/seances/{slug}/questions"
    server = Gunicorn(db_path, tmp_path / "fiches").start()
    try:
        prepared = phones(server.url, path, 200)
        stopper = threading.Timer(0.15, server.process.send_signal, args=(signal.SIGTERM,))
        stopper.start()
        results = burst(prepared, path, "Arrêt")
        stopper.join()
        server.process.wait(timeout=30)
    finally:
        server.stop()
    acknowledged = {body for status, body in results if status == 303}
    assert not any(isinstance(status, int) and status >= 500 for status, _ in results)
    assert acknowledged, "the burst ended before any question was answered"
    restarted = Gunicorn(db_path, tmp_path / "fiches").start()
    try:
        assert Phone(restarted.url).open_page(path)[0] == 200
        assert acknowledged <= stored_bodies(db_path, "Arrêt")
    finally:
        restarted.stop()


@pytest.mark.sqlite_only
def test_backup_during_a_burst_is_consistent_and_opens(slug, tmp_path):
    db_path, path = tmp_path / "masterclass.db", f"/seances/{slug}/questions"
    server = Gunicorn(db_path, tmp_path / "fiches").start()
    copy = tmp_path / "sauvegarde" / "copie.db"
    try:
        prepared = phones(server.url, path, 150)
        env = {**os.environ, "MASTERCLASS_DATABASE_URL": f"sqlite:///{db_path}",
               "MASTERCLASS_SECRET_KEY": "x", "MASTERCLASS_UPLOAD_DIR": str(tmp_path / "fiches")}
        backup = {}

        def run_backup():
            time.sleep(0.05)
            backup["result"] = subprocess.run(
                [str(Path(sys.executable).parent / "flask"), "--app", "masterclass", "backup", str(copy)],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

        thread = threading.Thread(target=run_backup)
        thread.start()
        results = burst(prepared, path, "Pendant la sauvegarde", until_taken=True)
        thread.join()
    finally:
        server.stop()
    assert [status for status, _ in results].count(303) == 150
    assert backup["result"].returncode == 0, backup["result"].stderr
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}",
                      "UPLOAD_DIR": str(tmp_path / "fiches")})
    with app.app_context():
        assert db.session.scalar(select(Seance.slug)) == slug
        db.engine.dispose()
    assert app.test_client().get(f"/seances/{slug}").status_code == 200
