"""What only PostgreSQL has: moving a SQLite site into it, pg_dump backups, its search index,
a server that goes away. (The suite's other tests run on both engines.)"""

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from masterclass import create_app
from masterclass.extensions import db

from .conftest import ROOT, TEST_SECRET, dispose
from .helpers import csrf_token, soup, text_of

pytestmark = pytest.mark.postgresql_only


def sqlite_site(tmp_path):
    """A SQLite site as a newcomer has it: migrated, the demo séance, a visitor's favourite.
    Returns (its URL, the visitor's participant cookie, the demo slug)."""
    from masterclass.demo import load_demo
    from masterclass.participants import COOKIE

    url = f"sqlite:///{tmp_path / 'site.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_DIR": str(tmp_path / "fiches"), "RATELIMIT_ENABLED": False})
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            load_demo()
            from masterclass.models import Seance

            seance = db.session.scalar(select(Seance))
            slug, seance_id = seance.slug, seance.id
            db.session.remove()
        client = app.test_client()
        client.post(f"/favoris/seance/{seance_id}", data={"csrf_token": csrf_token(client)})
        cookie = client.get_cookie(COOKIE).value
    finally:
        dispose(app)
    return url, cookie, slug


def test_copy_database_moves_a_sqlite_site_whole(app, runner, tmp_path):
    from masterclass.models import Fiche, Question, Seance
    from masterclass.participants import COOKIE

    url, cookie, slug = sqlite_site(tmp_path)
    result = runner.invoke(args=["copy-database", "--from", url])
    assert result.exit_code == 0, result.output
    assert "counts checked, search rebuilt" in result.output
    assert "  seance: 1" in result.output and "  favourite: 1" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Question)) > 0

    client = app.test_client()
    page = text_of(client.get(f"/seances/{slug}"))
    assert "Développement économique" in page and "recruter" in page
    found = soup(client.get("/recherche?q=Recrutement"))
    assert found.find(id="res-questions") and found.find("mark")
    fiche = db.session.scalar(select(Fiche))
    download = client.get(f"/fiches/{fiche.id}/telecharger")
    assert download.status_code == 200 and download.data
    client.set_cookie(COOKIE, cookie)  # the visitor's phone, after the move
    assert "Développement économique" in text_of(client.get("/favoris"))
    # New rows get ids after the copied ones (sequences set).
    from masterclass.db import write_transaction

    with write_transaction() as session:
        seance = session.scalar(select(Seance))
        question = Question(seance=seance, body="Une question après le déménagement ?", status="approved")
        session.add(question)
    assert question.id > 1

    again = runner.invoke(args=["copy-database", "--from", url])
    assert again.exit_code == 1 and "n'est pas vide" in again.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Seance)) == 1


def test_copy_database_refuses_a_missing_file_and_copies_nothing(app, runner, tmp_path):
    result = runner.invoke(args=["copy-database", "--from", f"sqlite:///{tmp_path / 'absent.db'}"])
    assert result.exit_code == 1 and "introuvable" in result.output
    result = runner.invoke(args=["copy-database", "--from", "postgresql://ailleurs/base"])
    assert result.exit_code == 1 and "SQLite" in result.output


def test_backup_is_a_pg_dump_checked_by_pg_restore(runner, demo, tmp_path):
    dest = tmp_path / "copies" / "site.dump"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "pg_restore --list: ok" in result.output
    assert dest.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert not (tmp_path / "copies" / "site.dump.partial").exists()
    refused = runner.invoke(args=["backup", str(tmp_path)])
    assert refused.exit_code != 0 and not list(tmp_path.glob("*.partial"))


def test_search_reads_its_kinds_gin_index(app, demo):
    """The counterpart of FTS5's rowid ranges: one partial GIN index per kind, used."""
    db.session.execute(text("SET enable_seqscan = off"))
    plan = " ".join(db.session.execute(text(
        "EXPLAIN SELECT rowid FROM search_index WHERE kind = 'question' "
        "AND document @@ to_tsquery('masterclass_fr', 'recrut:*')")).scalars())
    assert "ix_search_index_question" in plan
    rows = db.session.execute(text(
        "SELECT ref_id FROM search_index WHERE kind = 'question' "
        "AND document @@ to_tsquery('masterclass_fr', 'economi:*')")).all()
    assert rows is not None  # the configuration (simple + unaccent) exists and answers


@pytest.mark.parametrize("q", ["recruter & banques", "recrut:*", "!recruter", "(recruter | x)", "a" * 10000,
                               "'; DROP TABLE seance; --"])
def test_tsquery_syntax_typed_by_a_visitor_is_only_words(client, demo, q):
    response = client.get("/recherche", query_string={"q": q})
    assert response.status_code == 200


def test_a_database_server_that_cannot_be_reached_is_a_french_503(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql://postgres@127.0.0.1:1/absente")
    response = app.test_client().get("/seances")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "inaccessible" in response.get_data(as_text=True) or "indisponible" in response.get_data(as_text=True)


def test_connections_cut_by_the_server_recover_by_themselves(app, client, demo):
    """A PostgreSQL restart cuts every connection: the next request reconnects (pre-ping)."""
    assert client.get("/seances").status_code == 200
    assert client.get(f"/seances/{demo.slug}/questions/live").status_code in (200, 404)
    db.session.remove()
    with db.engine.connect() as conn:
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert killed >= 1
    assert client.get("/seances").status_code == 200
    assert client.get(f"/seances/{demo.slug}").status_code == 200


def test_a_read_only_database_serves_reads_and_refuses_writes_with_the_text_kept(app, client, demo):
    """The counterpart of a read-only SQLite file: a standby, or a database set read-only."""
    from masterclass.db import write_transaction
    from masterclass.models import Seance

    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    slug, name = demo.slug, db.engine.url.database
    db.session.remove()
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        conn.commit()
    db.engine.dispose()
    app.extensions["fast_reader"].close_all()
    health = client.get("/sante")
    assert health.status_code == 503 and "database_writable" in health.get_json()["problems"]
    assert client.get(f"/seances/{slug}").status_code == 200
    page = f"/seances/{slug}/questions"
    response = client.post(page, data={"body": "Une question gardée ?", "author": "",
                                       "csrf_token": csrf_token(client, page)})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Une question gardée ?" in response.get_data(as_text=True)
    assert "lecture seule" in text_of(response)
