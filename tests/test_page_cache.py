"""Public pages kept per worker for visitors with nothing of their own (masterclass/page_cache.py):
never stale, never someone else's."""

import json

import pytest
from sqlalchemy import event

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.fiches import services as fiches
from masterclass.questions import desk

from .helpers import csrf_token, soup, text_of


@pytest.fixture
def live(make_seance):
    return make_seance(title="Séance Commerce", questions_open=True)


def token_of(response) -> str:
    return json.loads(soup(response).body["hx-headers"])["X-CSRFToken"]


def orm_statements(app, client, url: str) -> list[str]:
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_a_page_is_rendered_once_then_served_until_something_changes(app, client, live, make_question):
    page = f"/seances/{live.slug}"
    assert orm_statements(app, client, page)  # the first visitor's request renders it
    assert orm_statements(app, app.test_client(), page) == []  # the next one is served as it is
    make_question(live, body="Où trouver un local commercial ?")
    assert orm_statements(app, app.test_client(), page)  # a change: rendered again
    assert "Où trouver un local commercial ?" in text_of(app.test_client().get(page))


def test_every_visitor_gets_a_token_of_their_own_that_works(app, live):
    phones = [app.test_client() for _ in range(3)]
    pages = [phone.get(f"/seances/{live.slug}/questions") for phone in phones]
    tokens = [token_of(page) for page in pages]
    assert len(set(tokens)) == 3
    for page, token in zip(pages, tokens, strict=True):
        assert {i["value"] for i in soup(page).find_all("input", attrs={"name": "csrf_token"})} == {token}
    for n, (phone, token) in enumerate(zip(phones, tokens, strict=True)):
        response = phone.post(f"/seances/{live.slug}/questions",
                              data={"body": f"Question du téléphone {n} ?", "csrf_token": token})
        assert response.status_code == 303


def test_what_is_a_participants_own_is_never_shared(app, live, make_question):
    question = make_question(live)
    anne, bruno = app.test_client(), app.test_client()
    page = f"/seances/{live.slug}/questions"
    assert soup(bruno.get(page)).find(id=f"vote-bouton-{question.id}")["aria-pressed"] == "false"
    anne.get(page)
    anne.post(f"/questions/{question.id}/vote", data={"csrf_token": csrf_token(anne, page)})
    anne.post(page, data={"body": "Ma question à moi ?", "csrf_token": csrf_token(anne, page)})
    anne_page, bruno_page = anne.get(page), bruno.get(page)
    assert soup(anne_page).find(id=f"vote-bouton-{question.id}")["aria-pressed"] == "true"
    assert "Ma question à moi ?" in text_of(anne_page)
    assert soup(bruno_page).find(id=f"vote-bouton-{question.id}")["aria-pressed"] == "false"
    assert "Ma question à moi ?" not in text_of(bruno_page)
    assert soup(app.test_client().get(page)).find(id="mes-questions") is None


def test_a_moderators_page_and_a_visitors_are_kept_apart(app, client, auth, live):
    visitor = app.test_client()
    assert "Se déconnecter" not in text_of(visitor.get("/"))
    auth.login()
    assert "Se déconnecter" in text_of(client.get("/"))
    assert "Se déconnecter" not in text_of(visitor.get("/"))


def test_a_message_after_a_redirect_is_shown(app, client, live):
    page = f"/seances/{live.slug}/questions"
    client.get(page)
    response = client.post(page, data={"body": "Comment ouvrir une boutique ?",
                                       "csrf_token": csrf_token(client, page)}, follow_redirects=True)
    assert "Merci ! Votre question est envoyée" in text_of(response)
    assert "Merci !" not in text_of(client.get(page))  # shown once


def test_every_moderation_change_shows_at_once(app, live, make_question, make_fiche, make_user):
    user, _ = make_user()
    page = f"/seances/{live.slug}"

    def read():
        return text_of(app.test_client().get(page))

    first = make_fiche(live, title="Fiche A")
    second = make_fiche(live, data=b"%PDF-1.4\n%other\n", title="Fiche B")
    assert read().index("Fiche A") < read().index("Fiche B")
    fiches.move_fiche(second.id, "up")
    assert read().index("Fiche B") < read().index("Fiche A")
    fiches.delete_fiche(first.id, user.id)
    assert "Fiche A" not in read()

    question = make_question(live, body="Question en attente ?", status="pending")
    assert "Question en attente ?" not in read()
    desk.set_status(question.id, "approved", user.id)
    assert "Question en attente ?" in read()
    desk.edit_body(question.id, "Question corrigée ?", user.id)
    assert "Question corrigée ?" in read()
    desk.set_status(question.id, "rejected", user.id)
    assert "Question corrigée ?" not in read()

    with write_transaction() as session:
        session.get(type(live), live.id).title = "Séance Commerce de proximité"
    assert "Séance Commerce de proximité" in read()
    with write_transaction() as session:
        session.get(type(live), live.id).published = False
    assert app.test_client().get(page).status_code == 404


def test_search_follows_the_archive_and_a_rebuilt_index(app, runner, live, make_question):
    visitor = app.test_client()
    url = "/recherche?q=boulangerie"
    assert "Aucun résultat" in text_of(visitor.get(url))
    make_question(live, body="Comment reprendre une boulangerie ?")
    assert "Comment reprendre une boulangerie ?" in text_of(visitor.get(url))
    make_question(live, body="Et une boulangerie bio ?")
    db.session.execute(db.text("DELETE FROM search_index"))  # an index gone wrong
    db.session.commit()
    assert "Aucun résultat" in text_of(visitor.get(url))
    runner.invoke(args=["reindex"])
    assert "Et une boulangerie bio ?" in text_of(visitor.get(url))


def test_live_fragment_served_from_the_cache_keeps_its_etag(app, live, make_question):
    url = f"/seances/{live.slug}/questions/live"
    phone = app.test_client()
    first = phone.get(url)
    again = app.test_client().get(url)
    assert again.headers["ETag"] == first.headers["ETag"]
    assert phone.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    make_question(live)
    assert phone.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_a_flood_of_searches_does_not_push_out_the_seance_pages(app, live):
    from masterclass import page_cache

    page = f"/seances/{live.slug}/questions"
    visitor = app.test_client()
    visitor.get(page)
    for n in range(page_cache.MAX_ENTRIES_PER_VIEW + 5):
        visitor.get(f"/recherche?q=mot{n}")
    assert orm_statements(app, app.test_client(), page) == []  # still served as it is


def test_a_vote_keeps_the_sites_pages_and_moves_only_its_seance(app, live, make_question):
    """Votes flow all séance long: they must not throw away home, archive and search, which do not
    show them; the pages that do (the séance's own, its questions) show the new count at once."""
    question = make_question(live, body="Comment financer une boulangerie ?")
    untouched = ["/", "/seances", "/recherche?q=boulangerie"]
    showing_votes = [f"/seances/{live.slug}", f"/seances/{live.slug}/questions"]
    for url in untouched + showing_votes:
        app.test_client().get(url)

    phone = app.test_client()
    phone.get(f"/seances/{live.slug}/questions")
    assert phone.post(f"/questions/{question.id}/vote", data={"csrf_token": csrf_token(phone)}).status_code == 303

    for url in untouched:
        assert orm_statements(app, app.test_client(), url) == [], url  # still served as it was
    visitor = app.test_client()
    assert "1 vote" in text_of(visitor.get(f"/seances/{live.slug}/questions"))
    assert orm_statements(app, app.test_client(), f"/seances/{live.slug}")  # rendered again

    pending = make_question(live, body="Une boulangerie en coopérative ?", status="pending")
    assert "coopérative" not in text_of(app.test_client().get("/recherche?q=boulangerie"))
    desk.set_status(pending.id, "approved", None)
    assert "coopérative" in text_of(app.test_client().get("/recherche?q=boulangerie"))


def test_phones_with_state_share_the_page_and_each_sees_only_its_own(app, live, make_question):
    """The room's pages are rendered once for every phone, voted or not; each phone's votes,
    questions, ETag and token are filled in for it alone, on the page and its live list."""
    first, second = make_question(live, body="Première ?"), make_question(live, body="Deuxième ?")
    page, live_url = f"/seances/{live.slug}/questions", f"/seances/{live.slug}/questions/live"
    anne, bruno = app.test_client(), app.test_client()
    for phone, question, mine in ((anne, first, "La question d’Anne ?"), (bruno, second, "Celle de Bruno ?")):
        phone.get(page)
        phone.post(f"/questions/{question.id}/vote", data={"csrf_token": csrf_token(phone, page)})
        phone.post(page, data={"body": mine, "csrf_token": csrf_token(phone, page)})
        assert "Merci" in text_of(phone.get(page))  # the message after the redirect, read once

    newcomer = app.test_client()  # the shared pages are rendered for a newcomer, and kept
    newcomer.get(page), newcomer.get(live_url)
    for url in (page, live_url):
        for phone, pressed, mine, other in ((anne, first, "La question d’Anne ?", "Celle de Bruno ?"),
                                            (bruno, second, "Celle de Bruno ?", "La question d’Anne ?")):
            statements = orm_statements(app, phone, url)
            assert not any("FROM seance" in s for s in statements), statements  # the shared part is not rendered
            response = phone.get(url)
            html = soup(response)
            assert {b["id"]: b["aria-pressed"] for b in html.select("[aria-pressed]")} == {
                f"vote-bouton-{first.id}": "true" if pressed is first else "false",
                f"vote-bouton-{second.id}": "true" if pressed is second else "false"}
            assert mine in text_of(response) and other not in text_of(response)
            assert html.select_one('a[href$="tri=miennes"] .count-badge').get_text() == "1"
            assert "<hole:" not in response.get_data(as_text=True)
    anne.post(f"/questions/{second.id}/vote", data={"csrf_token": csrf_token(anne, page)})
    anne_etag = anne.get(live_url).headers["ETag"]
    bruno_etag = bruno.get(live_url).headers["ETag"]
    assert anne_etag != bruno_etag
    assert anne.get(live_url, headers={"If-None-Match": anne_etag}).status_code == 304
    assert anne.get(live_url, headers={"If-None-Match": bruno_etag}).status_code == 200
    assert token_of(anne.get(page)) != token_of(bruno.get(page))


def test_a_worker_keeps_one_copy_of_a_page_however_often_it_changes(app, live, make_question):
    """A live séance changes its pages many times a minute: each change replaces the page's copy,
    so a worker's memory does not grow with the votes of a séance."""
    question = make_question(live)
    page = f"/seances/{live.slug}/questions"
    phone = app.test_client()
    for _ in range(20):
        app.test_client().get(page)
        phone.post(f"/questions/{question.id}/vote", data={"csrf_token": csrf_token(phone, page)})
    app.test_client().get(page)
    assert len(app.extensions["caches"]["pages:questions.participant"]) == 1
    assert len(app.extensions["caches"]["live-lists"]) == 1


def test_a_site_reached_under_a_prefix_gets_its_own_links(app, live, make_question):
    """The same app behind two addresses (a proxy mounting it under /mc, and at the root): every
    kept page and room list carries the links of the address it was asked at."""
    question = make_question(live, status="approved")
    for path in (f"/seances/{live.slug}/questions", f"/seances/{live.slug}/questions/live",
                 f"/seances/{live.slug}"):
        for prefix in ("", "/mc", ""):
            response = app.test_client().get(path, base_url=f"http://localhost{prefix}/")
            assert response.status_code == 200
            page = soup(response)
            links = [a["href"] for a in page.find_all("a", href=True) if a["href"].startswith("/")]
            assert links and all(link.startswith(f"{prefix}/") for link in links), (path, prefix)
            if "questions" in path:
                vote = page.find(id=f"vote-bouton-{question.id}")
                assert vote["formaction"] == f"{prefix}/questions/{question.id}/vote"
            if prefix:  # where a form brings the visitor back to
                backs = [field["value"] for field in page.find_all("input", attrs={"name": "next"})]
                assert all(back.startswith(f"{prefix}/") for back in backs if back)
    moderation = app.test_client().get("/moderation/", base_url="http://localhost/mc/")
    assert moderation.status_code == 302 and moderation.headers["Location"].endswith("next=/mc/moderation/")
