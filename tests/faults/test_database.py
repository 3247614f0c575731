"""The database's disk full, or the database read-only: reads serve, writes answer 503 with
Retry-After and the person's text kept; once the fault is gone, the next write succeeds."""

import sqlite3

import pytest
from sqlalchemy import func, select

from masterclass.extensions import db
from masterclass.models import Question

from ..helpers import HTMX, csrf_token, open_demo, text_of

# The disk and file faults of a SQLite site (a PostgreSQL server's are its own: see
# tests/test_postgresql.py for a server going away).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def disk(small_disk):
    return small_disk("base", "4m")


@pytest.fixture
def site(app_on, disk, tmp_path):
    """The demo séance, open for questions, on a database alone on a small disk."""
    app = app_on(disk.path, tmp_path / "fiches")
    with app.app_context():
        slug = open_demo()
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
    return app, slug


def ask(client, slug, body, htmx=False):
    url = f"/seances/{slug}/questions"
    return client.post(url, data={"body": body, "author": "Léa", "csrf_token": csrf_token(client, url)},
                       headers=HTMX if htmx else {})


def questions(app, body) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Question.id)).where(Question.body == body))
        db.session.remove()
        return count


def close_connections(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["fast_reader"].close()


def integrity(db_path) -> str:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_database_disk_full_keeps_the_question_and_serves_reads(site, disk, htmx):
    app, slug = site
    client = app.test_client()
    url = f"/seances/{slug}/questions"
    assert client.get(url).status_code == 200  # the page (and its token) before the disk fills
    disk.fill()
    for attempt in range(3):
        body = f"Une question <b>pendant</b> la panne n° {attempt} ?"
        response = ask(client, slug, body, htmx=htmx)
        assert response.status_code == 503, text_of(response)
        assert int(response.headers["Retry-After"]) > 0
        page = text_of(response)
        assert "manque de place" in page and "gardée ci-dessous" in page
        assert body in page  # the text, kept in the form
        assert "<b>pendant</b>" in response.get_data(as_text=True).replace("&lt;", "<").replace("&gt;", ">")
        assert "<b>pendant</b>" not in response.get_data(as_text=True)  # escaped, never markup
    # Reads keep working.
    for path in ("/", f"/seances/{slug}", url, f"/seances/{slug}/questions/live", "/recherche?q=emploi"):
        assert client.get(path).status_code == 200, path
    disk.free()
    response = ask(client, slug, "Après la panne ?", htmx=htmx)
    assert response.status_code in (200, 303)
    assert questions(app, "Après la panne ?") == 1
    assert questions(app, "Une question <b>pendant</b> la panne n° 0 ?") == 0
    assert integrity(disk.path / "masterclass.db") == "ok"


def test_database_disk_full_answers_a_moderator_in_french(site, disk, auth_on):
    app, slug = site
    client = auth_on(app)
    with app.app_context():
        question_id = db.session.scalar(select(Question.id).limit(1))
        db.session.remove()
    token = csrf_token(client, f"/moderation/seances/{slug}/questions")
    disk.fill()
    response = client.post(f"/moderation/questions/{question_id}/statut", data={"status": "rejected", "csrf_token": token})
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "manque de place" in text_of(response)
    edit = f"/moderation/seances/{slug}/modifier"
    form = {"title": "Titre changé pendant la panne", "date": "2025-05-16", "time": "18:00",
            "city": "Anzin", "venue": "La Nouvelle Forge", "theme": "Emploi", "speaker": "",
            "speaker_role": "", "concept": "", "summary": "<p>Résumé tapé pendant la panne</p>",
            "csrf_token": token}
    response = client.post(edit, data=form)
    assert response.status_code == 503
    page = text_of(response)
    assert "manque de place" in page
    assert "Titre changé pendant la panne" in response.get_data(as_text=True)
    disk.free()
    response = client.post(f"/moderation/questions/{question_id}/statut", data={"status": "rejected", "csrf_token": token})
    assert response.status_code == 303
    assert integrity(disk.path / "masterclass.db") == "ok"


def test_read_only_database_serves_reads_and_refuses_writes_with_the_text_kept(site, disk):
    app, slug = site
    client = app.test_client()
    url = f"/seances/{slug}/questions"
    assert client.get(url).status_code == 200
    close_connections(app)  # every connection opened again, on a read-only disk
    disk.readonly()
    try:
        for path in ("/", f"/seances/{slug}", url, f"/seances/{slug}/questions/live"):
            assert client.get(path).status_code == 200, path
        response = ask(client, slug, "Une question en lecture seule ?")
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
        page = text_of(response)
        assert "lecture seule" in page and "Une question en lecture seule ?" in page
        health = client.get("/sante")
        assert health.status_code == 503
        assert health.get_json()["database_writable"] is False
    finally:
        disk.readonly(False)
    close_connections(app)
    assert ask(client, slug, "Une question en lecture seule ?").status_code == 303
    assert questions(app, "Une question en lecture seule ?") == 1


def test_database_gone_is_a_503_page_in_french_not_a_500(make_app, tmp_path):
    """The database's folder is not there (storage unmounted): every page says so, in French."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'absent' / 'masterclass.db'}")
    client = app.test_client()
    for path in ("/", "/seances/une-seance", "/recherche?q=emploi"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert int(response.headers["Retry-After"]) > 0
        assert "base de données est momentanément inaccessible" in text_of(response)
    with app.app_context():
        db.engine.dispose()


def test_database_gone_under_a_signed_in_moderator_is_still_a_503_in_french(app_on, tmp_path, auth_on):
    folder = tmp_path / "base"
    folder.mkdir()
    app = app_on(folder, tmp_path / "fiches")
    client = auth_on(app)
    close_connections(app)
    folder.rename(tmp_path / "ailleurs")  # the database's storage goes away
    for path in ("/moderation/", "/"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert "base de données est momentanément inaccessible" in text_of(response)
