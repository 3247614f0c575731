"""What a cached public page depends on is in its key: the public base URL (not a forged Host
header), and an order of changes the database gives (not the app servers' clocks)."""

import re
import shutil
import subprocess

import pytest

from masterclass.extensions import db

from .helpers import text_of
from .realserver import Gunicorn, Phone


def test_a_forged_host_never_reaches_another_visitors_screen(app, make_seance):
    seance = make_seance(title="Séance Emploi", questions_open=True)
    screen = f"/seances/{seance.slug}/ecran"
    forged = app.test_client().get(screen, headers={"Host": "evil.example"})
    assert forged.status_code == 200 and "evil.example" in forged.get_data(as_text=True)
    later = app.test_client().get(screen)  # a projector with no cookie, the page from the cache
    assert later.status_code == 200
    assert "evil.example" not in later.get_data(as_text=True)
    assert "localhost/seances" in later.get_data(as_text=True) or "localhost" in text_of(later)


def test_with_a_public_url_every_page_points_there(make_app, make_seance):
    app = make_app(PUBLIC_URL="https://masterclass.example.org/")
    with app.app_context():
        seance = make_seance(title="Séance Emploi", questions_open=True)
        for host in ("evil.example", "localhost"):
            body = app.test_client().get(f"/seances/{seance.slug}/ecran",
                                         headers={"Host": host}).get_data(as_text=True)
            assert "evil.example" not in body and "masterclass.example.org" in body
        db.session.remove()
        db.engine.dispose()


def test_trusted_hosts_refuse_any_other_host_in_french(make_app):
    app = make_app(TRUSTED_HOSTS="masterclass.example.org, localhost")
    assert app.config["TRUSTED_HOSTS"] == ["masterclass.example.org", "localhost"]
    with app.app_context():
        refused = app.test_client().get("/", headers={"Host": "evil.example"})
        assert refused.status_code == 400
        assert "Requête invalide" in text_of(refused)
        assert app.test_client().get("/", headers={"Host": "masterclass.example.org"}).status_code == 200
        db.session.remove()
        db.engine.dispose()


FAKETIME = shutil.which("faketime")


@pytest.mark.skipif(FAKETIME is None, reason="faketime (Debian package faketime) skews a server's clock; "
                    ".ci/run installs it")
def test_two_servers_whose_clocks_differ_keep_the_page_current(app, make_seance, make_question, make_user,
                                                                tmp_path):
    """Server B's clock is two minutes behind A's: a change made through B is still seen on A."""
    seance = make_seance(title="Séance Commerce")  # a past séance: its public page is cached
    kept = make_question(seance, body="Question retenue puis écartée ?", status="approved")
    waiting = make_question(seance, body="Question en attente puis retenue ?", status="pending")
    make_seance(title="Séance Logement")  # changed last, by the clock of the test
    _user, password = make_user()
    slug, kept_id, waiting_id = seance.slug, kept.id, waiting.id
    db_path = app.config["SQLALCHEMY_DATABASE_URI"]  # a file or a server: either engine
    db.session.remove()
    db.engine.dispose()

    ahead = Gunicorn(db_path, tmp_path / "fiches", workers=1, threads=2)
    behind = Gunicorn(db_path, tmp_path / "fiches", workers=1, threads=2)
    behind.args = [FAKETIME, "-f", "-120"] + behind.args
    ahead.start()
    behind.start()
    try:
        page = f"/seances/{slug}"
        visitor = Phone(ahead.url)
        assert "Question retenue puis écartée ?" in visitor.get(page)[2]  # now cached on A
        # B's clock really is behind (the test would prove nothing otherwise).
        date_a, date_b = (Phone(s.url).get("/sante")[1]["Date"] for s in (ahead, behind))
        assert date_a != date_b

        moderator = Phone(behind.url)
        status, body = moderator.open_page("/connexion")
        moderator.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
        status, _h, _b = moderator.post("/connexion", {"email": "moderatrice@example.org", "password": password})
        assert status in (302, 303)
        moderator.open_page(f"/moderation/seances/{slug}/questions")
        for question_id, status_value in ((kept_id, "rejected"), (waiting_id, "approved")):
            status, _h, _b = moderator.post(f"/moderation/questions/{question_id}/statut",
                                            {"status": status_value})
            assert status in (200, 302, 303)

        later = Phone(ahead.url).get(page)[2]  # a visitor with no cookie, on server A
        assert "Question retenue puis écartée ?" not in later
        assert "Question en attente puis retenue ?" in later
    finally:
        ahead.stop()
        behind.stop()


def test_faketime_really_skews_the_clock():
    if FAKETIME is None:
        pytest.skip("faketime not installed")
    out = subprocess.run([FAKETIME, "-f", "-120", "date", "+%s"], capture_output=True, text=True).stdout
    now = subprocess.run(["date", "+%s"], capture_output=True, text=True).stdout
    assert abs(int(now) - int(out) - 120) <= 2
