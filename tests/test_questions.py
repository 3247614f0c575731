"""Participants ask, vote and follow their questions (Flask client)."""

import re

import pytest
from sqlalchemy import func, select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import Participant, Question, Seance, Vote
from masterclass.questions import services
from masterclass.seances.services import touch

from .helpers import ENGINE, HTMX, csrf_token, open_demo, soup, text_of, words


@pytest.fixture
def live(demo):
    """The demo séance, open for questions."""
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    return demo


def ask(client, seance, body="Comment trouver un stage ?", author="Léa", htmx=False, token=None):
    url = f"/seances/{seance.slug}/questions"
    data = {"body": body, "author": author, "csrf_token": token or csrf_token(client, url)}
    return client.post(url, data=data, headers=HTMX if htmx else {})


def vote(client, question_id, htmx=False):
    return client.post(f"/questions/{question_id}/vote", data={"csrf_token": csrf_token(client)},
                       headers=HTMX if htmx else {})


def count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def asked() -> int:
    """Questions sent by participants (the demo's own are not)."""
    db.session.rollback()
    return db.session.scalar(select(func.count(Question.id)).where(Question.participant_id.is_not(None)))


def newest() -> Question:
    db.session.rollback()
    return db.session.scalar(select(Question).order_by(Question.id.desc()).limit(1))


def test_join_code_leads_to_the_participant_page(client, live):
    response = client.get(f"/rejoindre?code={live.join_code.lower()}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/seances/{live.slug}/questions"
    page = client.get(response.headers["Location"])
    cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("masterclass_participant="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie


def test_question_without_javascript_posts_and_redirects_with_a_message(client, live):
    response = ask(client, live, body="  Comment trouver un stage ?  ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/questions#mes-questions")
    page = client.get(response.headers["Location"])
    text = text_of(page)
    assert "Merci ! Votre question est envoyée" in text
    mine = soup(page).find(id="mes-questions")
    assert "Comment trouver un stage ?" in words(mine.get_text()) and "En attente de relecture" in mine.get_text()
    question = newest()
    assert question.body == "Comment trouver un stage ?" and question.status == "pending"
    assert question.author == "Léa"


def test_question_with_htmx_answers_with_a_cleared_form_and_an_event(client, live):
    response = ask(client, live, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "questions-changed"
    page = soup(response)
    assert page.find(id="ask") and not page.find("html")
    assert page.find("textarea", attrs={"name": "body"}).get_text().strip() == ""
    assert "Merci ! Votre question est envoyée" in words(page.get_text())


@pytest.mark.parametrize(("body", "author", "message"), [
    ("", "", "Écrivez votre question."),
    ("   \n\t ", "", "Écrivez votre question."),
    ("ab", "", "entre 3 et 500 caractères"),
    ("x" * 501, "", "entre 3 et 500 caractères"),
    ("Une question\x00cachée", "", "caractères invalides"),
    ("Une question \ufffd mal encodée", "", "caractères invalides"),
    ("Une bonne question ?", "x" * 81, "80 caractères au plus."),
])
def test_bad_questions_are_refused_in_french_and_keep_the_text(client, live, body, author, message):
    response = ask(client, live, body=body, author=author, htmx=True)
    assert response.status_code == 400
    assert message in text_of(response)
    kept = soup(response).find("textarea", attrs={"name": "body"}).get_text().strip()
    assert kept == body.strip()
    assert asked() == 0


def test_invalid_utf8_bytes_are_refused(client, live):
    url = f"/seances/{live.slug}/questions"
    token = csrf_token(client, url)
    response = client.post(url, data=b"body=Bonjour+%ff%fe+a+tous&csrf_token=" + token.encode(),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "caractères invalides" in text_of(response)
    assert asked() == 0


def test_closed_or_unpublished_seance_stores_nothing(client, demo, make_seance):
    response = ask(client, demo, body="Une question tardive ?")
    assert response.status_code == 403
    assert "Les questions sont fermées pour cette séance" in text_of(response)
    assert "Une question tardive ?" in text_of(response)
    draft = make_seance(published=False, questions_open=True)
    assert client.get(f"/seances/{draft.slug}/questions").status_code == 404
    assert ask(client, draft, token=csrf_token(client)).status_code == 404
    assert asked() == 0


def test_a_page_left_open_for_hours_still_submits(client, live):
    """A CSRF failure re-offers the form with the text and a fresh token, never a bare error."""
    url = f"/seances/{live.slug}/questions"
    response = client.post(url, data={"body": "Ma question tapée il y a trois heures ?",
                                      "csrf_token": "expired-token"})
    assert response.status_code == 400
    page = soup(response)
    assert "La page était ouverte depuis longtemps" in page.get_text()
    assert page.find("textarea", attrs={"name": "body"}).get_text().strip() == (
        "Ma question tapée il y a trois heures ?")
    fresh = page.find("input", attrs={"name": "csrf_token"})["value"]
    assert ask(client, live, body="Ma question tapée il y a trois heures ?", token=fresh).status_code == 303
    assert asked() == 1


def test_the_csrf_lifetime_outlasts_a_seance(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 6 * 3600


def test_participants_see_their_own_questions_only(app, live):
    anne, bruno = app.test_client(), app.test_client()
    ask(anne, live, body="La question d’Anne ?")
    ask(bruno, live, body="La question de Bruno ?")
    mine = words(soup(anne.get(f"/seances/{live.slug}/questions")).find(id="mes-questions").get_text())
    assert "La question d’Anne ?" in mine and "Bruno" not in mine


@pytest.mark.parametrize(("status", "shown"), [
    ("approved", "Retenue : elle est visible par la salle"),
    ("answered", "Répondue"),
    ("rejected", "Écartée : merci, elle n’a pas été retenue"),
])
def test_the_asker_sees_what_became_of_the_question(client, live, status, shown):
    ask(client, live)
    with write_transaction() as session:
        session.get(Question, newest().id).status = status
    assert shown in text_of(client.get(f"/seances/{live.slug}/questions/live"))


def test_live_list_shows_approved_and_answered_pinned_first(client, live, make_question):
    make_question(live, body="Question en attente ?", status="pending")
    make_question(live, body="Question écartée ?", status="rejected")
    pinned = make_question(live, body="Question épinglée ?", pinned=True)
    answered = make_question(live, body="Question répondue ?", status="answered")
    page = soup(client.get(f"/seances/{live.slug}/questions/live"))
    items = page.select("#questions-salle ol.room-questions > li")
    assert items[0]["id"] == f"q-{pinned.id}" and "En cours de réponse" in items[0].get_text()
    assert len(items) == 12  # the demo's eleven and the pinned one
    done = page.select("#questions-repondues li")
    assert [li["id"] for li in done] == [f"q-{answered.id}"] and "Répondue" in done[0].get_text()
    text = page.get_text()
    assert "Question en attente ?" not in text and "Question écartée ?" not in text


def test_live_list_sorts_by_votes_or_time(client, live, make_question):
    from datetime import datetime

    old = make_question(live, body="Ancienne et soutenue ?", votes_count=9,
                        submitted_at=datetime(2019, 5, 16, 11, 0))
    new = make_question(live, body="Toute récente ?", submitted_at=datetime(2019, 5, 16, 13, 0))
    by_votes = soup(client.get(f"/seances/{live.slug}/questions/live?tri=votes")).select("ol.room-questions > li")
    by_time = soup(client.get(f"/seances/{live.slug}/questions/live?tri=recent")).select("ol.room-questions > li")
    assert by_votes[0]["id"] == f"q-{old.id}" and by_time[0]["id"] == f"q-{new.id}"


def test_unchanged_poll_gets_304_and_any_change_a_new_etag(client, live, make_question):
    url = f"/seances/{live.slug}/questions/live"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache, private"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other_phone = client.application.test_client()
    assert other_phone.get(url).headers["ETag"] == etag
    ask(client, live)  # a pending question changes no one else's view...
    assert other_phone.get(url, headers={"If-None-Match": etag}).status_code == 304
    # ...but its asker's own: the whole list comes back, with it.
    mine = client.get(url, headers={"If-None-Match": etag})
    assert mine.status_code == 200 and "Comment trouver un stage\u202f?" in mine.get_data(as_text=True)
    etag = mine.headers["ETag"]
    make_question(live, body="Une question approuvée ?")
    with write_transaction() as session:  # what moderators and votes do: a new version
        touch(session, live.id)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    other_sort = client.get(url + "?tri=recent", headers={"If-None-Match": changed.headers["ETag"]})
    assert other_sort.status_code == 200


def test_unchanged_poll_costs_one_indexed_read(app, client, live):
    from sqlalchemy import event

    url = f"/seances/{live.slug}/questions/live"
    etag = client.get(url).headers["ETag"]
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements == []  # not even the ORM: the fast path's single read below
    from masterclass.questions.fastpoll import ConditionalPoll

    poll = app.wsgi_app  # behind the static files (WhiteNoise) and front (masterclass/front.py)
    while not isinstance(poll, ConditionalPoll):
        poll = getattr(poll, "application", None) or poll.wsgi_app
    if ENGINE == "sqlite":
        plan = " ".join(str(row) for row in poll.reader._connection().execute(
            "EXPLAIN QUERY PLAN SELECT version, published FROM seance WHERE slug = ?", (live.slug,)))
        assert "USING INDEX" in plan
    else:  # PostgreSQL: the same read can use the slug's unique index (a tiny table is scanned
        # whole when that is cheaper: forbid it to see that the index is there and usable)
        conn = poll.reader._connection()
        conn.execute("SET enable_seqscan = off")
        try:
            plan = " ".join(row[0] for row in conn.execute(
                "EXPLAIN SELECT version, published FROM seance WHERE slug = %s", (live.slug,)))
        finally:
            conn.execute("RESET enable_seqscan")
        assert "Index Scan" in plan and "slug" in plan


def test_an_unchanged_poll_from_a_phone_with_cookies_fills_no_page(app, client, live, monkeypatch):
    """The 304 is answered before the shared pages' layer: a phone that polls every few seconds
    never costs the filling of a page it will not be sent."""
    from masterclass import holes

    url = f"/seances/{live.slug}/questions/live"
    client.get(f"/seances/{live.slug}/questions")  # the phone: a session and a participant cookie
    for _ in range(2):  # the second answer comes from the layer before Flask, when it keeps pages
        etag = client.get(url, headers=HTMX).headers["ETag"]

    def refuse(*args, **kwargs):
        raise AssertionError("a page was filled for a 304")

    monkeypatch.setattr(holes, "fill", refuse)
    assert client.get(url, headers={**HTMX, "If-None-Match": etag}).status_code == 304


def test_after_a_vote_the_room_list_renders_again_only_the_card_that_changed(client, live, monkeypatch):
    """A vote changes the room's version and so its list; of the list's cards, only the voted
    question's is rendered again, the others are kept (and its new count is what phones see)."""
    from masterclass.questions import live_cache

    made = []
    original = live_cache.card_of

    def counting(question, can_vote, card):
        return original(question, can_vote, lambda q, v: made.append(q.id) or card(q, v))

    monkeypatch.setattr(live_cache, "card_of", counting)
    url = f"/seances/{live.slug}/questions/live"
    first = soup(client.get(url, headers=HTMX))
    shown = [int(li["id"].removeprefix("q-")) for li in first.select("li[id^=q-]")]
    assert len(shown) > 3 and sorted(made) == sorted(shown)
    question_id = int(first.select_one("button.vote")["id"].removeprefix("vote-bouton-"))
    made.clear()
    assert vote(client, question_id, htmx=True).status_code == 200
    after = soup(client.get(url, headers=HTMX))
    assert made == [question_id]
    assert after.find(id=f"vote-bouton-{question_id}").find(class_="vote-count").get_text() == str(
        int(first.find(id=f"vote-bouton-{question_id}").find(class_="vote-count").get_text()) + 1)


def test_vote_toggles_with_aria_pressed(client, live):
    question_id = live_question_id(live)
    response = vote(client, question_id, htmx=True)
    button = soup(response).find("button")
    assert button["aria-pressed"] == "true" and "1" in button.get_text()
    assert response.headers["HX-Trigger"] == "questions-changed"
    response = vote(client, question_id, htmx=True)
    assert soup(response).find("button")["aria-pressed"] == "false"
    assert count(Vote) == 0
    assert db.session.get(Question, question_id).votes_count == 0


def test_vote_without_javascript_redirects_back(client, live):
    question_id = live_question_id(live)
    response = vote(client, question_id)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/seances/{live.slug}/questions#q-{question_id}"
    page = soup(client.get(response.headers["Location"]))
    assert page.find(id=f"vote-bouton-{question_id}")["aria-pressed"] == "true"


def test_one_vote_per_participant(app, live):
    question_id = live_question_id(live)
    for _ in range(3):
        phone = app.test_client()
        vote(phone, question_id)
    assert count(Vote) == 3 and db.session.get(Question, question_id).votes_count == 3
    assert count(Participant) == 3


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_votes_on_hidden_questions_are_refused(client, live, make_question, status):
    question = make_question(live, status=status)
    response = vote(client, question.id, htmx=True)
    assert response.status_code == 409
    assert "On ne peut voter que pour les questions retenues" in text_of(response)
    assert count(Vote) == 0


def test_votes_on_unknown_questions_or_closed_seances_are_refused(client, demo):
    assert vote(client, 99999).status_code == 404
    response = vote(client, live_question_id(demo))
    assert response.status_code == 303  # closed: back to the page, with the reason
    assert "Les questions sont fermées" in text_of(client.get(response.headers["Location"]))
    assert count(Vote) == 0


@pytest.mark.parametrize("change", ["set aside", "closed"])
def test_a_vote_checked_just_before_a_change_is_refused_by_the_write_itself(client, live, monkeypatch, change):
    """The checks are read before the write lock; a moderator who sets the question aside or
    closes the séance in between must still win: the vote is refused, nothing is counted."""
    question_id = live_question_id(live)
    read_before = services._refusal

    def moderator_acts_in_between(question):
        reason = read_before(question)  # the vote was fine when read...
        with write_transaction() as session:  # ...then a moderator acts before its write
            if change == "set aside":
                session.get(Question, question_id).status = "rejected"
            else:
                session.get(Seance, live.id).questions_open = False
        monkeypatch.setattr(services, "_refusal", read_before)
        return reason

    monkeypatch.setattr(services, "_refusal", moderator_acts_in_between)
    response = vote(client, question_id, htmx=True)
    assert response.status_code == {"set aside": 409, "closed": 403}[change]  # as if read after the change
    db.session.rollback()
    assert count(Vote) == 0
    assert db.session.get(Question, question_id).votes_count == 0


def test_question_text_is_always_escaped(client, live):
    ask(client, live, body='<img src=x onerror=alert(1)> <b hx-post="/x">?</b>')
    with write_transaction() as session:
        question = session.get(Question, newest().id)
        question.status, question.pinned = "approved", True
    for url in (f"/seances/{live.slug}/questions", f"/seances/{live.slug}/questions/live",
                f"/seances/{live.slug}/ecran", f"/seances/{live.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and '<b hx-post="/x">' not in html, url
        assert "&lt;b hx-post=" in html, url


def test_question_flood_from_one_participant_is_limited_not_the_room(make_app, migrated_db):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        slug = open_demo()
        phone = app.test_client()
        token = csrf_token(phone, f"/seances/{slug}/questions")
        statuses = [phone.post(f"/seances/{slug}/questions",
                               data={"body": f"Question numéro {i} ?", "csrf_token": token}).status_code
                    for i in range(6)]
        assert statuses == [303] * 5 + [429]
        blocked = phone.post(f"/seances/{slug}/questions", data={"body": "Encore une ?", "csrf_token": token})
        assert "Patientez une minute" in text_of(blocked) and "Encore une ?" in text_of(blocked)
        neighbour = app.test_client()  # same Wi-Fi address, another participant
        assert neighbour.post(f"/seances/{slug}/questions", data={
            "body": "Ma première question ?",
            "csrf_token": csrf_token(neighbour, f"/seances/{slug}/questions")}).status_code == 303
        db.session.remove()
        db.engine.dispose()


def test_projector_screen_shows_pinned_question_code_and_qr(client, live, make_question):
    make_question(live, body="La question qu’on traite ?", pinned=True)
    response = client.get(f"/seances/{live.slug}/ecran")
    page = soup(response)
    assert page.select_one(".screen-pinned-body").get_text() == "La question qu’on traite\u202f?"  # typeset
    assert page.select_one(".screen-code").get_text() == live.join_code
    assert page.select_one(".qr svg") is not None
    assert not page.find("form") and not page.find("button") and not page.find("nav")
    fragment = client.get(f"/seances/{live.slug}/ecran", headers=HTMX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert client.get(f"/seances/{live.slug}/ecran", headers={
        **HTMX, "If-None-Match": fragment.headers["ETag"]}).status_code == 304


def test_qr_code_uses_the_public_url(make_app):
    app = make_app(PUBLIC_URL="https://mc.example.org")
    with app.app_context():
        from masterclass.demo import load_demo

        load_demo()
        seance = db.session.scalar(select(Seance))
        html = app.test_client().get(f"/seances/{seance.slug}/ecran").get_data(as_text=True)
        assert "mc.example.org" in html
        db.session.remove()
        db.engine.dispose()


def live_question_id(seance) -> int:
    return db.session.scalar(select(Question.id).where(Question.seance_id == seance.id).limit(1))


def test_seance_page_links_open_seances_to_the_question_page(client, live):
    assert re.search(r"/seances/[^\"]+/questions", client.get(f"/seances/{live.slug}").get_data(as_text=True))


def test_a_busy_database_is_a_503_that_keeps_the_text(client, live, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(services, "submit", locked)
    response = ask(client, live, body="Ma question pendant la cohue ?", htmx=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "renvoyez-la dans un instant" in text_of(response)
    assert "Ma question pendant la cohue ?" in text_of(response)


def test_a_busy_database_elsewhere_is_a_503_not_a_500(client, live, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def locked(*_args, **_kwargs):
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(services, "toggle_vote", locked)
    response = vote(client, live_question_id(live))
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "Service momentanément indisponible" in text_of(response)


def test_unchanged_poll_is_answered_before_flask(app, client, live, monkeypatch):
    """The fast path answers exactly what the view would, without running any view."""
    url = f"/seances/{live.slug}/questions/live?tri=recent"
    etag = client.get(url).headers["ETag"]
    calls = []
    monkeypatch.setattr(app, "full_dispatch_request", lambda: calls.append(1) or (_ for _ in ()).throw(AssertionError))
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304 and calls == []
    assert response.headers["ETag"] == etag and response.headers["X-Content-Type-Options"] == "nosniff"
    screen = f"/seances/{live.slug}/ecran"
    monkeypatch.undo()
    screen_etag = client.get(screen, headers=HTMX).headers["ETag"]
    monkeypatch.setattr(app, "full_dispatch_request", lambda: calls.append(1) or (_ for _ in ()).throw(AssertionError))
    assert client.get(screen, headers={**HTMX, "If-None-Match": screen_etag}).status_code == 304
    assert calls == []


def test_fast_path_never_answers_for_unpublished_or_unknown_seances(client, live):
    url = f"/seances/{live.slug}/questions/live"
    etag = client.get(url).headers["ETag"]
    with write_transaction() as session:
        seance = session.get(Seance, live.id)
        seance.published = False
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404
    assert client.get("/seances/inconnue/questions/live", headers={"If-None-Match": etag}).status_code == 404


def test_cached_room_list_is_personalised_per_participant(app, live):
    """The list is rendered once per version; each participant still sees their own votes and token."""
    question_id = live_question_id(live)
    anne, bruno = app.test_client(), app.test_client()
    vote(anne, question_id)
    url = f"/seances/{live.slug}/questions/live"
    anne_page, bruno_page = soup(anne.get(url)), soup(bruno.get(url))
    assert anne_page.find(id=f"vote-bouton-{question_id}")["aria-pressed"] == "true"
    assert bruno_page.find(id=f"vote-bouton-{question_id}")["aria-pressed"] == "false"
    anne_token = anne_page.find("input", attrs={"name": "csrf_token"})["value"]
    bruno_token = bruno_page.find("input", attrs={"name": "csrf_token"})["value"]
    assert anne_token != bruno_token and "csrf-hole" not in str(anne_page)
    # The token filled into Bruno's list is really his.
    assert bruno.post(f"/questions/{question_id}/vote", data={"csrf_token": bruno_token}).status_code == 303


def test_every_vote_button_posts_to_its_questions_own_url(client, live):
    """The room's list and a vote's answer name each question's vote URL."""
    page = soup(client.get(f"/seances/{live.slug}/questions"))
    buttons = page.select("button[formaction]")
    assert buttons
    for button in buttons:
        question_id = button["id"].removeprefix("vote-bouton-")
        assert button["formaction"] == button["hx-post"] == f"/questions/{question_id}/vote"
    question_id = buttons[0]["id"].removeprefix("vote-bouton-")
    token = csrf_token(client, f"/seances/{live.slug}/questions")
    answer = soup(client.post(f"/questions/{question_id}/vote", data={"csrf_token": token}, headers=HTMX))
    assert answer.button["hx-post"] == f"/questions/{question_id}/vote"
