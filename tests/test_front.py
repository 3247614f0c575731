"""First visits (no cookie at all) answered before Flask from the page cache's copies
(masterclass/front.py): each newcomer still gets a token, a session and a participant cookie of
their own, that work; what changed is seen at once; anyone with a cookie goes through Flask."""

import json
import re

import pytest

from masterclass.extensions import db
from masterclass.questions import desk

from .helpers import HTMX, soup, text_of


@pytest.fixture
def live(make_seance):
    return make_seance(title="Séance Commerce", questions_open=True)


@pytest.fixture
def flask_requests(app):
    """How many requests reached Flask (front answers the others itself)."""
    seen = []
    app.before_request_funcs.setdefault(None, []).append(lambda: seen.append(1) and None)
    return seen


def token_of(response) -> str:
    return json.loads(soup(response).body["hx-headers"])["X-CSRFToken"]


def cookies_of(response) -> dict:
    return dict(re.match(r"([^=]+)=([^;]*)", value).groups() for value in response.headers.getlist("Set-Cookie"))


def test_newcomers_each_get_a_page_of_their_own_that_works(app, live, flask_requests):
    page = f"/seances/{live.slug}/questions"
    phones = [app.test_client() for _ in range(4)]
    pages = [phone.get(page) for phone in phones]
    assert len(flask_requests) == 1  # the first renders it; the next three are answered before Flask
    assert len({token_of(p) for p in pages}) == 4
    assert len({cookies_of(p)["masterclass_participant"] for p in pages}) == 4
    assert len({cookies_of(p)["session"] for p in pages}) == 4
    for page_response in pages:
        assert page_response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "Cookie" in page_response.headers["Vary"]
        assert "<hole:" not in page_response.get_data(as_text=True)
    for n, (phone, response) in enumerate(zip(phones, pages, strict=True)):
        sent = phone.post(page, data={"body": f"La question du téléphone {n} ?", "csrf_token": token_of(response)})
        assert sent.status_code == 303
    for n, phone in enumerate(phones):
        mine = text_of(phone.get(page + "?tri=miennes"))
        assert f"La question du téléphone {n} ?" in mine
        assert sum(f"La question du téléphone {k} ?" in mine for k in range(4)) == 1


def test_newcomers_share_one_filling_and_each_gets_their_own_token_everywhere(app, live, make_question,
                                                                              flask_requests):
    """Every newcomer's own parts are filled alike (no vote, no question): filled once per page,
    then only the CSRF token, wherever the page carries it, is each one's own."""
    question = make_question(live, status="approved")
    page = f"/seances/{live.slug}/questions"
    pages = [soup(app.test_client().get(page)) for _ in range(3)]
    assert len(flask_requests) == 1
    tokens = set()
    for html in pages:
        token = json.loads(html.body["hx-headers"])["X-CSRFToken"]
        assert html.find("input", attrs={"name": "csrf_token"})["value"] == token  # the votes' form
        assert html.find(id=f"vote-bouton-{question.id}")["aria-pressed"] == "false"
        tokens.add(token)
    assert len(tokens) == 3
    assert len(app.extensions["caches"]["front-newcomers"]) == 1


def test_what_changes_is_seen_by_the_next_newcomer(app, live, make_question, flask_requests):
    page = f"/seances/{live.slug}"
    pending = make_question(live, body="Une question relue à l’instant ?", status="pending")
    app.test_client().get(page)
    app.test_client().get(page)
    assert len(flask_requests) == 1
    desk.set_status(pending.id, "approved", None)
    assert "Une question relue à l’instant ?" in text_of(app.test_client().get(page))
    assert len(flask_requests) == 2


def test_anyone_with_a_cookie_goes_through_flask(app, client, auth, live, flask_requests):
    page = f"/seances/{live.slug}"
    app.test_client().get(page)
    app.test_client().get(page)
    before = len(flask_requests)
    auth.login()
    assert "Se déconnecter" in text_of(client.get(page))
    assert len(flask_requests) > before
    assert "Se déconnecter" not in text_of(app.test_client().get(page))


def test_a_newcomers_copy_depends_on_host_and_htmx(app, live, flask_requests):
    screen = f"/seances/{live.slug}/ecran"
    app.test_client().get(screen, headers={"Host": "evil.example"})
    later = app.test_client().get(screen)
    assert "evil.example" not in later.get_data(as_text=True)
    page = f"/seances/{live.slug}/questions"
    whole = app.test_client().get(page)
    fragment = app.test_client().get(page.replace("questions", "questions/live"), headers=HTMX)
    again = app.test_client().get(page)
    assert "<html" in whole.get_data(as_text=True) and "<html" in again.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


def test_a_newcomers_live_list_answers_304_to_its_etag(app, live):
    url = f"/seances/{live.slug}/questions/live"
    first = app.test_client().get(url, headers=HTMX)
    again = app.test_client().get(url, headers={**HTMX, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_no_copy_without_the_page_cache(make_app, make_seance):
    app = make_app(PAGE_CACHE=False)
    with app.app_context():
        seance = make_seance(title="Séance Emploi")
        seen = []
        app.before_request_funcs.setdefault(None, []).append(lambda: seen.append(1) and None)
        for _ in range(3):
            assert app.test_client().get(f"/seances/{seance.slug}").status_code == 200
        assert len(seen) == 3
        db.session.remove()
        db.engine.dispose()


def test_phones_that_voted_and_asked_are_answered_before_flask_each_with_its_own(app, live, make_question,
                                                                                flask_requests):
    question = make_question(live, body="Première ?")
    page, live_url = f"/seances/{live.slug}/questions", f"/seances/{live.slug}/questions/live"
    anne, bruno = app.test_client(), app.test_client()
    anne.get(page)
    anne.post(f"/questions/{question.id}/vote", data={"csrf_token": token_of(anne.get(page))}, headers=HTMX)
    anne.post(page, data={"body": "La question d’Anne ?", "csrf_token": token_of(anne.get(page))}, headers=HTMX)
    bruno.get(page)
    app.test_client().get(page)  # the page of this version, rendered once
    before = len(flask_requests)
    anne_page, bruno_page = anne.get(page), bruno.get(page)
    assert len(flask_requests) == before  # both answered before Flask
    assert soup(anne_page).find(id=f"vote-bouton-{question.id}")["aria-pressed"] == "true"
    assert soup(bruno_page).find(id=f"vote-bouton-{question.id}")["aria-pressed"] == "false"
    assert "La question d’Anne ?" in text_of(anne_page) and "La question d’Anne ?" not in text_of(bruno_page)
    assert "Set-Cookie" not in anne_page.headers  # her session and token are kept
    sent = anne.post(page, data={"body": "Encore une d’Anne ?", "csrf_token": token_of(anne_page)}, headers=HTMX)
    assert sent.status_code == 200 and "Merci" in text_of(sent)
    etag = anne.get(live_url, headers=HTMX).headers["ETag"]
    assert anne.get(live_url, headers={**HTMX, "If-None-Match": etag}).status_code == 304
    assert bruno.get(live_url, headers={**HTMX, "If-None-Match": etag}).status_code == 200


def test_whatever_front_cannot_read_goes_to_flask(app, client, auth, live, make_question, flask_requests):
    page = f"/seances/{live.slug}/questions"
    app.test_client().get(page)
    # A message waiting after a form sent without JavaScript: Flask shows it.
    phone = app.test_client()
    phone.post(page, data={"body": "Sans JavaScript ?", "csrf_token": token_of(phone.get(page))})
    assert "Merci" in text_of(phone.get(page))
    # A signed-in moderator.
    auth.login()
    before = len(flask_requests)
    assert client.get(page).status_code == 200
    assert len(flask_requests) == before + 1
    # A cookie front does not know, and a session it cannot read.
    for cookies in ({"autre": "1"}, {"session": "pas-une-session"}):
        visitor = app.test_client()
        for name, value in cookies.items():
            visitor.set_cookie(name, value)
        before = len(flask_requests)
        assert visitor.get(page).status_code == 200
        assert len(flask_requests) == before + 1


def test_a_participant_with_favourites_gets_the_archive_from_flask(app, live, make_fiche, flask_requests):
    fiche = make_fiche(live, title="Fiche A")
    page = f"/seances/{live.slug}"
    app.test_client().get(page)
    reader = app.test_client()
    reader.get(page)
    kept = reader.post(f"/favoris/fiche/{fiche.id}", data={"csrf_token": token_of(reader.get(page))})
    assert kept.status_code in (200, 303)
    before = len(flask_requests)
    reader.get(page)
    assert len(flask_requests) == before + 1
