"""The one htmx layer: every answer a view gives, page, partial or an action's, varies on
htmx's headers, and an action answers htmx with a fragment, a browser without JavaScript with a
redirect."""

import pytest

from masterclass.db import write_transaction
from masterclass.models import Seance

from .helpers import HTMX, csrf_token, post

VARIES = ("HX-Request", "HX-History-Restore-Request")


def assert_varies(response):
    vary = response.headers.get("Vary", "")
    assert all(header in vary for header in VARIES), vary


@pytest.fixture
def room(client, demo, make_question):
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    return demo, make_question(demo, status="approved")


@pytest.mark.parametrize("htmx", [True, False])
def test_a_participants_actions_vary_and_answer_each_way(client, room, htmx):
    seance, question = room
    token = csrf_token(client, f"/seances/{seance.slug}/questions")
    headers = HTMX if htmx else {}
    answers = [
        client.post(f"/questions/{question.id}/vote", data={"csrf_token": token}, headers=headers),
        client.post(f"/favoris/seance/{seance.id}", data={"csrf_token": token}, headers=headers),
        client.post(f"/seances/{seance.slug}/questions", headers=headers,
                    data={"csrf_token": token, "body": "Une question posée ici ?"}),
    ]
    for response in answers:
        assert response.status_code == (200 if htmx else 303)
        assert_varies(response)
        if htmx:
            assert "</html>" not in response.get_data(as_text=True)
            assert response.headers["Cache-Control"] == "no-store"  # never what Back shows


@pytest.mark.parametrize("htmx", [True, False])
def test_a_moderators_actions_vary_and_answer_each_way(client, auth, room, make_fiche, htmx):
    seance, question = room
    auth.login()
    fiche = make_fiche(seance)
    answers = [
        post(client, f"/moderation/questions/{question.id}/statut", htmx=htmx, status="approved"),
        post(client, f"/moderation/seances/{seance.slug}/ouverture", htmx=htmx, open="1"),
        post(client, f"/moderation/seances/{seance.slug}/questions/lot", htmx=htmx, status="approved",
             ids=str(question.id)),
        post(client, f"/moderation/fiches/{fiche.id}/deplacer", htmx=htmx, direction="up"),
    ]
    for response in answers:
        assert response.status_code == (200 if htmx else 303)
        assert_varies(response)
    if htmx:
        assert [r.headers.get("HX-Trigger") for r in answers] == [
            "questions-changed", None, "questions-changed", None]


def test_a_refused_vote_answers_htmx_with_its_fragment_and_others_with_a_message(client, room,
                                                                                make_question):
    seance, _question = room
    pending = make_question(seance, body="Pas encore relue ?", status="pending")
    token = csrf_token(client, f"/seances/{seance.slug}/questions")
    fragment = client.post(f"/questions/{pending.id}/vote", data={"csrf_token": token}, headers=HTMX)
    assert fragment.status_code == 409 and "HX-Trigger" not in fragment.headers
    assert_varies(fragment)
    back = client.post(f"/questions/{pending.id}/vote", data={"csrf_token": token})
    assert back.status_code == 303 and back.headers["Location"].endswith(f"#q-{pending.id}")
    assert "retenues" in client.get(back.headers["Location"]).get_data(as_text=True)


def test_an_error_for_htmx_is_its_message_alone_and_varies(client, demo):
    fragment = client.get("/seances/plus-la", headers=HTMX)
    assert fragment.status_code == 404 and "</html>" not in fragment.get_data(as_text=True)
    assert_varies(fragment)
    page = client.get("/seances/plus-la")
    assert page.status_code == 404 and "</html>" in page.get_data(as_text=True)
    assert_varies(page)
