"""The upload folder full, read-only or gone: uploads refused in French with the fields kept,
nothing half-stored (no row, no partial or temporary file), the other fiches still served."""

import fcntl
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from masterclass.demo import load_demo
from masterclass.extensions import db
from masterclass.models import Fiche, Seance

from ..files import pdf
from ..helpers import HTMX, csrf_token, soup, text_of


@pytest.fixture
def disk(small_disk):
    return small_disk("fiches", "2m")


@pytest.fixture
def site(app_on, disk, tmp_path, auth_on):
    """The demo séance (its fiche stored on the small disk) and a signed-in moderator."""
    app = app_on(tmp_path, disk.path, MIN_FREE_MB=1)
    with app.app_context():
        load_demo()
        slug = db.session.scalar(select(Seance.slug))
        fiche_id = db.session.scalar(select(Fiche.id))
        db.session.remove()
    return app, auth_on(app), slug, fiche_id


def upload(client, slug, data, title="Fiche pendant la panne", htmx=False):
    return client.post(
        f"/moderation/seances/{slug}/fiches",
        data={"title": title, "description": "Description tapée pendant la panne",
              "csrf_token": csrf_token(client), "file": (io.BytesIO(data), "fiche.pdf")},
        content_type="multipart/form-data", headers=HTMX if htmx else {})


def fiches(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Fiche.id)))
        db.session.remove()
        return count


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".upload-*"))


def assert_form_kept(response, message):
    page = text_of(response)
    assert message in page, page
    form = soup(response)
    assert form.find(id="fiche-titre")["value"] == "Fiche pendant la panne"
    assert "Description tapée pendant la panne" in form.find(id="fiche-description").get_text()


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_upload_disk_full_is_a_507_that_stores_nothing(site, disk, htmx):
    app, client, slug, fiche_id = site
    before_files = sorted(p.name for p in disk.path.iterdir())
    disk.fill()
    big = pdf("x" * 300_000)  # far more than is left
    response = upload(client, slug, big, htmx=htmx)
    assert response.status_code == 507, text_of(response)
    assert int(response.headers["Retry-After"]) > 0
    assert_form_kept(response, "L'espace de stockage des fichiers est plein")
    assert fiches(app) == 1
    assert temporary_files(disk.path) == []
    assert sorted(p.name for p in disk.path.iterdir()) == before_files + ["remplissage"]
    # The other fiches still download; /sante says the disk is short of space.
    assert client.get(f"/fiches/{fiche_id}/telecharger").status_code == 200
    health = app.test_client().get("/sante")
    assert health.status_code == 503 and "upload_free_mb" in health.get_json()["problems"]
    disk.free()
    response = upload(client, slug, big)
    assert response.status_code == 303
    assert fiches(app) == 2 and temporary_files(disk.path) == []
    assert app.test_client().get("/sante").status_code == 200


def test_read_only_upload_folder_refuses_uploads_and_serves_downloads(site, disk):
    app, client, slug, fiche_id = site
    disk.readonly()
    try:
        response = upload(client, slug, pdf("lecture seule"))
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
        assert_form_kept(response, "Le dossier des fichiers est inaccessible")
        assert fiches(app) == 1
        assert client.get(f"/fiches/{fiche_id}/telecharger").status_code == 200
        health = app.test_client().get("/sante")
        assert health.status_code == 503
        report = health.get_json()
        assert report["upload_folder_writable"] is False and report["database_writable"] is True
    finally:
        disk.readonly(False)
    assert upload(client, slug, pdf("lecture seule")).status_code == 303
    assert fiches(app) == 2


def test_missing_upload_folder_is_not_made_again_behind_its_back(app_on, tmp_path, auth_on):
    folder = tmp_path / "partage"
    app = app_on(tmp_path, folder)
    with app.app_context():
        load_demo()
        slug = db.session.scalar(select(Seance.slug))
        fiche_id = db.session.scalar(select(Fiche.id))
        db.session.remove()
    client = auth_on(app)
    shutil.rmtree(folder)  # the shared storage is gone (unmounted, removed)
    response = upload(client, slug, pdf("dossier absent"))
    assert response.status_code == 503
    assert_form_kept(response, "Le dossier des fichiers est inaccessible")
    assert not folder.exists() and fiches(app) == 1
    download = client.get(f"/fiches/{fiche_id}/telecharger")
    assert download.status_code == 404
    assert "momentanément indisponible" in text_of(download)
    health = app.test_client().get("/sante")
    assert health.status_code == 503 and health.get_json()["problems"] == ["upload_folder_writable"]


def test_start_removes_temporary_files_left_by_a_crash_but_not_one_being_received(
        app_on, tmp_path):
    folder = tmp_path / "fiches"
    folder.mkdir()
    (folder / ".upload-abandonne").write_bytes(b"%PDF-1.4 moitie")
    (folder / "a1b2c3").write_bytes(b"%PDF-1.4 fiche gardee")
    receiving = open(folder / ".upload-en-cours", "wb")  # another worker's upload, locked
    try:
        fcntl.flock(receiving, fcntl.LOCK_EX)
        app_on(tmp_path, folder)
        assert sorted(p.name for p in folder.iterdir()) == [".upload-en-cours", "a1b2c3"]
    finally:
        receiving.close()
