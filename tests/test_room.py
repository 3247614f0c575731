"""The room's pages against odd requests, its wording, and a newcomer's first room."""

import re
from datetime import datetime

import pytest

from .helpers import soup, text_of

PAGE_MARK = "</html>"


@pytest.fixture
def live(demo):
    from masterclass.db import write_transaction

    with write_transaction() as session:
        session.merge(demo).questions_open = True
    return demo


@pytest.mark.parametrize("path", ["/seances/{slug}/questions", "/seances/{slug}/questions?tri=recent",
                                  "/seances?ville=Anzin", "/recherche?q=recruter", "/seances/{slug}/ecran", "/"])
@pytest.mark.parametrize("headers", [
    {"HX-Request": "true"},  # not from htmx: it always says which page it is on
    {"HX-Request": "true", "HX-Current-URL": "http://localhost/", "HX-History-Restore-Request": "true"},
    {"HX-History-Restore-Request": "true"},
    {"HX-Request": "true", "HX-Current-URL": "http://localhost/", "HX-Boosted": "true"},
])
def test_history_and_odd_requests_get_whole_pages(client, live, path, headers):
    response = client.get(path.format(slug=live.slug), headers=headers)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("<!doctype html>") and PAGE_MARK in body
    assert "HX-Request" in response.headers.get("Vary", "")


def test_htmx_gets_the_fragment_and_caches_keep_them_apart(client, live):
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://localhost/seances"}
    fragment = client.get("/seances?ville=Anzin", headers=htmx)
    assert fragment.status_code == 200 and PAGE_MARK not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "no-store" in fragment.headers["Cache-Control"]  # never what Back shows
    page = client.get("/seances?ville=Anzin")
    assert PAGE_MARK in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]


def test_a_restore_request_for_a_page_that_is_gone_is_a_whole_404_page(client, live):
    for headers in ({"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Current-URL": "http://x/"},
                    {"HX-Request": "true"}):
        response = client.get("/seances/plus-la/questions", headers=headers)
        assert response.status_code == 404
        assert PAGE_MARK in response.get_data(as_text=True)


@pytest.mark.parametrize("etag", ['W/"1-votes-0"', '"foreign"', "garbage,,,", 'W/"' + "9" * 5000 + '"', ""])
def test_stale_or_foreign_etags_get_the_list(client, live, etag):
    response = client.get(f"/seances/{live.slug}/questions/live", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "questions-salle" in response.get_data(as_text=True)


def test_a_phones_own_question_changes_its_poll(app, live):
    """A new pending question changes no one's list but its asker's: their ETag moves, not the room's."""
    from .helpers import csrf_token

    anne, bruno = app.test_client(), app.test_client()
    url = f"/seances/{live.slug}/questions/live"
    anne.get(f"/seances/{live.slug}/questions")
    anne_etag, bruno_etag = anne.get(url).headers["ETag"], bruno.get(url).headers["ETag"]
    response = anne.post(f"/seances/{live.slug}/questions", data={
        "body": "Une question à moi ?", "csrf_token": csrf_token(anne, f"/seances/{live.slug}/questions")})
    assert response.status_code == 303
    anne.get(f"/seances/{live.slug}/questions")  # the message is shown once
    assert bruno.get(url, headers={"If-None-Match": bruno_etag}).status_code == 304
    mine = anne.get(url, headers={"If-None-Match": anne_etag})
    assert mine.status_code == 200 and "Une question à moi ?" in mine.get_data(as_text=True)
    assert anne.get(url, headers={"If-None-Match": mine.headers["ETag"]}).status_code == 304


def test_a_past_seance_is_not_live_and_promises_nothing(client, demo):
    participant = text_of(client.get(f"/seances/{demo.slug}/questions"))
    assert "en direct" not in participant.lower()
    page = text_of(client.get(f"/seances/{demo.slug}"))
    assert "bientôt" not in page


def test_a_past_seance_without_fiche_does_not_promise_one(client, make_seance):
    seance = make_seance(starts_at=datetime(2024, 1, 10, 18, 0))
    page = text_of(client.get(f"/seances/{seance.slug}"))
    assert "bientôt" not in page
    assert "Aucune fiche" in page


def test_wording_is_neutral_and_agrees(client, live, make_question):
    from masterclass.db import write_transaction
    from masterclass.participants import Participant

    client.get(f"/seances/{live.slug}/questions")
    token = client.get_cookie("masterclass_participant").value
    with write_transaction() as session:
        participant = Participant(token=token)
        session.add(participant)
    make_question(live, body="Ma question à laquelle on a répondu ?", status="answered",
                  participant_id=participant.id)
    page = text_of(client.get(f"/seances/{live.slug}/questions?tri=miennes"))
    assert "L'intervenant y a répondu" not in page
    assert "Répondue" in page


def test_concept_paragraphs_typed_with_crlf(client, auth):
    from .helpers import csrf_token

    auth.login()
    response = client.post("/moderation/seances/nouvelle", data={
        "title": "Séance CRLF", "date": "2026-03-12", "city": "Lens", "published": "y",
        "concept": "Premier.\r\n\r\nSecond.\r\nSuite du second.", "summary": "Un.\r\n\r\nDeux.",
        "csrf_token": csrf_token(client, "/moderation/seances/nouvelle")})
    assert response.status_code == 303
    page = soup(client.get("/seances/seance-crlf-2026-03-12"))
    concept = page.select("section[aria-labelledby=concept] p")
    assert [p.get_text(" ", strip=True) for p in concept] == ["Premier.", "Second. Suite du second."]
    assert len(page.select("section[aria-labelledby=compte-rendu] p")) == 2


def test_demo_room_for_a_newcomer(runner, app):
    first = runner.invoke(args=["demo-room", "--base-url", "http://127.0.0.1:5000"])
    assert first.exit_code == 0, first.output
    slug = re.search(r"/seances/([^/\s]+)/questions", first.output).group(1)
    assert f"http://127.0.0.1:5000/seances/{slug}/questions" in first.output
    assert f"http://127.0.0.1:5000/seances/{slug}/ecran" in first.output
    code = re.search(r"\b([A-Z2-9]{6})\b", first.output).group(1)
    again = runner.invoke(args=["demo-room", "--base-url", "http://127.0.0.1:5000"])
    assert slug in again.output and code in again.output  # the same room, not a new one each time
    client = app.test_client()
    assert client.get(f"/rejoindre?code={code}").status_code == 303
    page = client.get(f"/seances/{slug}/questions")
    assert soup(page).find("textarea", attrs={"name": "body"}) is not None  # open for questions today


def test_a_login_over_plain_http_explains_what_is_wrong(database_url, tmp_path):
    """The production command served over plain http: the Secure session cookie never comes back."""
    from .realserver import Gunicorn, Phone

    server = Gunicorn(database_url, tmp_path / "fiches", workers=1, threads=2)
    del server.env["MASTERCLASS_SESSION_COOKIE_SECURE"]  # the default: Secure under gunicorn
    server.start()
    try:
        # A laptop on the LAN: no Secure cookie goes back over plain http.
        browser, lan = Phone(server.url), {"Host": "192.168.1.20:8000"}
        status, _headers, page = browser.get("/connexion", headers=lan)
        assert status == 200 and "https" in soup_text(page)  # warned before trying
        browser.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _headers, body = browser.post("/connexion", {"email": "x@example.org", "password": "y"},
                                              headers=lan)
        assert status == 400
        words = " ".join(soup_text(body).split())
        assert "https" in words and "MASTERCLASS_SESSION_COOKIE_SECURE" in words
        assert "Requête invalide" not in words
    finally:
        server.stop()


def soup_text(body: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(body, "html.parser").get_text(" ")
