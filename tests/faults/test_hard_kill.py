"""kill -9 of the whole production server (master and workers at once) in the middle of a
burst of questions and uploads: after a restart every acknowledged question and fiche is
there, whole, and no temporary upload file is left."""

import hashlib
import http.client
import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from masterclass.accounts.services import create_or_update_user
from masterclass.extensions import db

from ..files import pdf
from ..helpers import open_demo
from ..realserver import Gunicorn, Phone

# The disk and file faults of a SQLite site (a PostgreSQL server's are its own: see
# tests/test_postgresql.py for a server going away).
pytestmark = pytest.mark.sqlite_only

EMAIL, PASSWORD = "moderatrice@example.org", "mot de passe sûr"


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def freeze(server: Gunicorn) -> list[int]:
    """Stop the master (no new worker) and its workers where they are; returns the workers."""
    master = server.process.pid
    os.kill(master, signal.SIGSTOP)
    workers = children(master)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    return workers


def thaw(server: Gunicorn, workers: list[int]) -> None:
    for pid in [*workers, server.process.pid]:
        os.kill(pid, signal.SIGCONT)


def kill_all_at_once(server: Gunicorn, workers: list[int] | None = None) -> None:
    """Freeze the master and its workers (unless already frozen), then SIGKILL them all."""
    master = server.process.pid
    if workers is None:
        workers = freeze(server)
    for pid in [master, *workers]:
        os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
              for pid in workers if Path(f"/proc/{pid}").exists()):
        assert time.monotonic() < deadline, "workers still alive after SIGKILL"
        time.sleep(0.01)


def multipart(fields: dict, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def send(phone: Phone, request):
    """The status the server answered (its body may be cut by the kill), or the error."""
    try:
        with phone.opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:  # 3xx (redirects are not followed), 4xx, 5xx
        return error.code
    except (OSError, http.client.HTTPException) as error:  # the server died under it
        return f"error: {error.__class__.__name__}"


def upload(phone: Phone, slug: str, title: str, data: bytes):
    body, content_type = multipart({"title": title, "description": "", "csrf_token": phone.token},
                                   "fiche.pdf", data)
    request = urllib.request.Request(f"{phone.base}/moderation/seances/{slug}/fiches", data=body,
                                     headers={"Content-Type": content_type})
    return send(phone, request)


@pytest.fixture
def slug(app):
    slug = open_demo()
    create_or_update_user(EMAIL, "moderator", PASSWORD)
    db.session.remove()
    db.engine.dispose()
    return slug


def test_kill_9_of_master_and_workers_mid_burst_loses_nothing_acknowledged(slug, tmp_path):
    db_path, folder = tmp_path / "masterclass.db", tmp_path / "fiches"
    path = f"/seances/{slug}/questions"
    server = Gunicorn(db_path, folder).start()
    seen_temporary = threading.Event()
    try:
        moderator = Phone(server.url)
        moderator.open_page("/connexion")
        assert moderator.post("/connexion", {"email": EMAIL, "password": PASSWORD})[0] == 302
        moderator.open_page(f"/moderation/seances/{slug}/modifier")
        phones = []
        with ThreadPoolExecutor(max_workers=50) as pool:
            phones = list(pool.map(lambda _i: Phone(server.url), range(200)))
            list(pool.map(lambda phone: phone.open_page(path), phones))
        files = {f"Fiche {i}": pdf(f"fiche {i} " + "x" * 15_000_000) for i in range(6)}

        def receiving() -> bool:
            return any(name.startswith(".upload-") for name in os.listdir(folder))

        def watch():  # kill while an upload is being received into the folder
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if receiving():
                    # Frozen first, then looked at again: the upload cannot finish in between.
                    workers = freeze(server)
                    if receiving():
                        seen_temporary.set()
                        return kill_all_at_once(server, workers)
                    thaw(server, workers)
            kill_all_at_once(server)

        def ask(item):
            i, phone = item
            body = f"Coupure numéro {i} ?"
            payload = urllib.parse.urlencode({"body": body, "csrf_token": phone.token}).encode()
            return send(phone, urllib.request.Request(phone.base + path, data=payload)), body

        with ThreadPoolExecutor(max_workers=220) as pool:
            uploads = [pool.submit(upload, moderator, slug, title, data) for title, data in files.items()]
            killer = pool.submit(watch)
            asked = list(pool.map(ask, enumerate(phones)))
            killer.result()
            uploaded = {title: future.result() for title, future in zip(files, uploads, strict=True)}
    finally:
        server.stop(signal.SIGKILL)
    assert seen_temporary.is_set(), "no upload was caught while being received"
    assert not any(isinstance(status, int) and status >= 500 for status, _ in asked)
    acknowledged = {body for status, body in asked if status == 303}
    stored_uploads = {title for title, status in uploaded.items() if status == 303}
    # The kill caught an upload being received: its temporary file is still there.
    assert list(folder.glob(".upload-*")), "no temporary file was left to clean"
    restarted = Gunicorn(db_path, folder).start()
    try:
        assert Phone(restarted.url).open_page(path)[0] == 200
        assert sorted(p.name for p in folder.glob(".upload-*")) == []
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            bodies = {row[0] for row in conn.execute("SELECT body FROM question WHERE body LIKE 'Coupure%'")}
            rows = {title: (name, checksum) for title, name, checksum in
                    conn.execute("SELECT title, stored_name, checksum FROM fiche WHERE title LIKE 'Fiche %'")}
        assert acknowledged <= bodies
        assert stored_uploads <= set(rows)
        for title, (name, checksum) in rows.items():  # every row's file is there, whole
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == checksum, title
            assert (folder / name).read_bytes() == files[title]
    finally:
        restarted.stop()
