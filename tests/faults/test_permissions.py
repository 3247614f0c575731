"""Permissions gone wrong (a restore as another user, a chmod): the production server runs
without root's power to override file modes (setpriv drops CAP_DAC_OVERRIDE), so a mode
of 0444 or 0555 binds it as it binds the site's own user."""

import json
import os
import shutil
import signal
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from masterclass.accounts.services import create_or_update_user
from masterclass.extensions import db
from masterclass.models import Fiche

from ..files import pdf
from ..helpers import open_demo
from ..realserver import Gunicorn, Phone
from .test_hard_kill import EMAIL, PASSWORD, multipart, send

# The disk and file faults of a SQLite site (a PostgreSQL server's are its own: see
# tests/test_postgresql.py for a server going away).
SQLITE_ONLY = pytest.mark.sqlite_only

pytestmark = [SQLITE_ONLY, pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv (util-linux) to run the server without CAP_DAC_OVERRIDE")]


@pytest.fixture
def site(app):
    slug = open_demo()
    create_or_update_user(EMAIL, "moderator", PASSWORD)
    fiche_id = db.session.scalar(select(Fiche.id))
    db.session.remove()
    db.engine.dispose()
    return slug, fiche_id


def unprivileged(db_path, folder) -> Gunicorn:
    server = Gunicorn(db_path, folder)
    server.args = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *server.args]
    return server


def download(base: str, fiche_id: int) -> int:
    phone = Phone(base)
    return send(phone, urllib.request.Request(f"{base}/fiches/{fiche_id}/telecharger"))


def health(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/sante", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_database_file_not_writable_serves_reads_and_keeps_the_question(site, tmp_path):
    slug, fiche_id = site
    db_path = tmp_path / "masterclass.db"
    db_path.chmod(0o444)  # restored with the wrong mode
    server = unprivileged(db_path, tmp_path / "fiches").start(healthy=False)
    try:
        phone = Phone(server.url)
        path = f"/seances/{slug}/questions"
        assert phone.open_page(path)[0] == 200
        for page in ("/", f"/seances/{slug}"):
            assert phone.get(page)[0] == 200, page
        assert download(server.url, fiche_id) == 200
        status, headers, body = phone.post(path, {"body": "Une question sur une base protégée ?"})
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert "lecture seule" in body and "Une question sur une base protégée ?" in body
        status, report = health(server.url)
        assert status == 503 and report["database_writable"] is False
        assert report["database"] == "ok" and report["upload_folder_writable"] is True
    finally:
        server.stop(signal.SIGTERM)
    # SQLite gave its -wal and -shm files the database's mode: the fix is for all three (README).
    assert (tmp_path / "masterclass.db-shm").stat().st_mode & 0o777 == 0o444
    for item in tmp_path.glob("masterclass.db*"):
        item.chmod(0o644)
    server = unprivileged(db_path, tmp_path / "fiches").start()
    try:
        phone = Phone(server.url)
        phone.open_page(path)
        assert phone.post(path, {"body": "Une question sur une base protégée ?"})[0] == 303
    finally:
        server.stop()


def test_upload_folder_not_writable_refuses_uploads_and_serves_downloads(site, tmp_path):
    slug, fiche_id = site
    folder = tmp_path / "fiches"
    folder.chmod(0o555)  # the wrong owner or mode after a restore
    server = unprivileged(tmp_path / "masterclass.db", folder).start(healthy=False)
    try:
        moderator = Phone(server.url)
        moderator.open_page("/connexion")
        assert moderator.post("/connexion", {"email": EMAIL, "password": PASSWORD})[0] == 302
        moderator.open_page(f"/moderation/seances/{slug}/modifier")
        body, content_type = multipart({"title": "Fiche refusée", "description": "",
                                        "csrf_token": moderator.token}, "fiche.pdf", pdf("refusée"))
        request = urllib.request.Request(f"{server.url}/moderation/seances/{slug}/fiches", data=body,
                                         headers={"Content-Type": content_type})
        status, headers, page = moderator._open(request)
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert "Le dossier des fichiers est inaccessible" in page and "Fiche refusée" in page
        assert download(server.url, fiche_id) == 200
        status, report = health(server.url)
        assert status == 503 and report["upload_folder_writable"] is False
        assert report["database_writable"] is True
    finally:
        server.stop()
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.glob(".upload-*")) == []
