"""Configuration layers, health, error pages."""

import os
import stat

from masterclass import create_app

from .helpers import ENGINE, text_of


def test_prefixed_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("MASTERCLASS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("MASTERCLASS_MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("MASTERCLASS_UPLOAD_DIR", str(tmp_path / "up"))
    monkeypatch.setenv("MASTERCLASS_PUBLIC_URL", "https://mc.example.org/")
    monkeypatch.setenv("MASTERCLASS_SECRET_KEY", "from-env")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'env.db'}"
    assert app.config["MAX_UPLOAD_BYTES"] == 3 * 1024 * 1024
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "up")
    assert app.config["PUBLIC_URL"] == "https://mc.example.org"
    assert app.config["SECRET_KEY"] == "from-env"


def test_defaults_live_in_the_instance_folder(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("MASTERCLASS_"):
            monkeypatch.delenv(name)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/masterclass.db")
    assert app.config["UPLOAD_DIR"].endswith("instance/fiches")
    assert app.config["MAX_UPLOAD_BYTES"] == 20 * 1024 * 1024
    key_file = os.path.join(os.path.dirname(app.config["UPLOAD_DIR"]), "secret_key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with open(key_file) as fh:
        assert fh.read().strip() == app.config["SECRET_KEY"]


def test_health_answers_ok(client):
    response = client.get("/sante")
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "ok" and report["database"] == "ok"
    assert report["database_writable"] is True and report["upload_folder_writable"] is True
    if ENGINE == "sqlite":  # the file's disk; a database server's own disk is not ours to see
        assert report["database_free_mb"] >= report["min_free_mb"] == 50
    else:
        assert report["database_free_mb"] is None and report["min_free_mb"] == 50
    assert report["upload_free_mb"] >= 50


def test_health_reports_a_database_that_does_not_answer(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'absent' / 'no.db'}")
    response = app.test_client().get("/sante")
    assert response.status_code == 503 and response.get_json()["status"] == "error"


def test_server_error_page_is_french(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in text_of(response)


def test_method_not_allowed_is_french(client):
    response = client.post("/seances")
    assert response.status_code in (400, 405)
    assert "Page introuvable" not in text_of(response)


def test_forwarded_headers_are_trusted_only_when_configured(make_app):
    from flask import request

    for count, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = make_app(PROXY_COUNT=count)
        app.add_url_rule("/adresse", "adresse", lambda: request.remote_addr)
        response = app.test_client().get("/adresse", headers={"X-Forwarded-For": "203.0.113.7"})
        assert response.get_data(as_text=True) == expected
