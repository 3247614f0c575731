"""Downloading a fiche: the file, its name and type, counted exactly."""

import logging
import threading
from pathlib import Path

from masterclass.extensions import db
from masterclass.models import Fiche

from .helpers import text_of


def test_download_is_the_stored_file_as_an_attachment(client, demo, app):
    fiche = demo.fiches[0]
    response = client.get(f"/fiches/{fiche.id}/telecharger")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=fiche-capitalisation-dev-eco.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    stored = Path(app.config["UPLOAD_DIR"]) / fiche.stored_name
    assert response.data == stored.read_bytes()
    assert response.data.startswith(b"%PDF-") and len(response.data) == 513_178


def test_accented_original_name_uses_rfc_6266(client, make_seance, make_fiche):
    fiche = make_fiche(make_seance(), original_name="Fiche été 2025.pdf")
    disposition = client.get(f"/fiches/{fiche.id}/telecharger").headers["Content-Disposition"]
    assert "filename*=UTF-8''Fiche%20%C3%A9t%C3%A9%202025.pdf" in disposition


def test_each_download_is_counted(client, demo):
    fiche_id = demo.fiches[0].id
    for _ in range(3):
        client.get(f"/fiches/{fiche_id}/telecharger")
    db.session.rollback()
    assert db.session.get(Fiche, fiche_id).download_count == 3


def test_concurrent_downloads_are_all_counted(app, demo):
    fiche_id = demo.fiches[0].id
    db.session.remove()
    errors = []

    def download_many():
        client = app.test_client()
        for _ in range(10):
            response = client.get(f"/fiches/{fiche_id}/telecharger")
            if response.status_code != 200:
                errors.append(response.status_code)

    threads = [threading.Thread(target=download_many) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.rollback()
    assert db.session.get(Fiche, fiche_id).download_count == 120


def test_missing_file_is_a_404_with_a_message_and_is_logged(client, app, demo, caplog):
    fiche = demo.fiches[0]
    (Path(app.config["UPLOAD_DIR"]) / fiche.stored_name).unlink()
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/fiches/{fiche.id}/telecharger")
    assert response.status_code == 404
    assert "Le fichier de cette fiche est momentanément indisponible" in text_of(response)
    assert any(fiche.stored_name in record.getMessage() for record in caplog.records)
    db.session.rollback()
    assert db.session.get(Fiche, fiche.id).download_count == 0


def test_identical_content_is_stored_once(app, make_seance, make_fiche):
    seance = make_seance()
    first = make_fiche(seance, data=b"%PDF-1.4 same")
    second = make_fiche(seance, data=b"%PDF-1.4 same", original_name="copie.pdf")
    assert first.stored_name == second.stored_name
    assert len(list(Path(app.config["UPLOAD_DIR"]).iterdir())) == 1


def test_failed_database_write_leaves_no_file(app, make_seance):
    import io

    import pytest
    from sqlalchemy.exc import IntegrityError

    from masterclass.fiches.services import add_fiche, receive

    make_seance()
    received = receive(io.BytesIO(b"%PDF-1.4 orphan"), "orphan.pdf", max_bytes=1000)
    with pytest.raises(IntegrityError):
        add_fiche(99999, received, "Fiche d’une séance absente", "", user_id=None)  # foreign key fails
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Fiche.id))) == 0


def test_sizes_read_in_french(app):
    from masterclass.formatting import filesize

    with app.test_request_context():
        assert filesize(513_178) == "501,15\u00a0Ko"  # a no-break space: never "501,15" then "Ko"
        assert filesize(2_516_582) == "2,4\u00a0Mo"
        assert filesize(900) == "900\u00a0octets"
