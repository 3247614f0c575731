"""Favourites kept without an account, against the participant cookie."""

import pytest
from sqlalchemy import func, select

from masterclass.extensions import db
from masterclass.models import Favourite

from .helpers import HTMX, csrf_token, soup, text_of


def toggle(client, kind, target_id, htmx=False, next_=None):
    data = {"csrf_token": csrf_token(client)}
    if next_ is not None:
        data["next"] = next_
    return client.post(f"/favoris/{kind}/{target_id}", data=data,
                       headers=HTMX if htmx else {})


def favourites() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Favourite))


def test_toggle_in_place_with_htmx_updates_the_header_count(client, demo):
    response = toggle(client, "seance", demo.id, htmx=True)
    page = soup(response)
    button = page.find("button")
    assert button["aria-pressed"] == "true" and "Retirer des favoris" in button.get_text()
    count = page.find(id="favoris-compte")
    assert count["hx-swap-oob"] == "true" and count.get_text() == "1"
    response = toggle(client, "seance", demo.id, htmx=True)
    assert soup(response).find("button")["aria-pressed"] == "false"
    assert "Ajouter aux favoris" in soup(response).find("button").get_text()
    assert favourites() == 0


def test_toggle_without_javascript_redirects_back(client, demo):
    response = toggle(client, "fiche", demo.fiches[0].id, next_=f"/seances/{demo.slug}")
    assert response.status_code == 303 and response.headers["Location"] == f"/seances/{demo.slug}"
    page = soup(client.get(f"/seances/{demo.slug}"))
    assert page.find(id=f"favori-bouton-fiche-{demo.fiches[0].id}")["aria-pressed"] == "true"
    assert page.find(id=f"favori-bouton-seance-{demo.id}")["aria-pressed"] == "false"
    assert page.find(id="favoris-compte").get_text() == "1"


def test_unsafe_next_falls_back_to_the_seance(client, demo):
    response = toggle(client, "seance", demo.id, next_="//evil.example/")
    assert response.headers["Location"] == f"/seances/{demo.slug}"


def test_favourites_page_lists_seances_and_fiches(client, demo):
    toggle(client, "seance", demo.id)
    toggle(client, "fiche", demo.fiches[0].id)
    text = text_of(client.get("/favoris"))
    assert "Séance Développement économique" in text and "16 mai 2019 · Anzin, La Nouvelle Forge" in text
    assert "Masterclass : Fiche capitalisation Dev éco" in text and "Poids : 501,15 Ko" in text
    assert soup(client.get("/favoris")).find("a", href=f"/fiches/{demo.fiches[0].id}/telecharger")


def test_empty_favourites_explain_the_feature(client):
    text = text_of(client.get("/favoris"))
    assert "Vous n’avez encore rien gardé." in text and "sans créer de compte" in text


def test_favourites_are_per_visitor_and_survive_a_browser_restart(app, demo):
    anne, bruno = app.test_client(), app.test_client()
    toggle(anne, "seance", demo.id)
    assert "Séance Développement économique" not in text_of(bruno.get("/favoris"))
    cookie = anne.get_cookie("masterclass_participant")
    restarted = app.test_client()  # a new session, the long-lived cookie kept
    restarted.set_cookie("masterclass_participant", cookie.value)
    assert "Séance Développement économique" in text_of(restarted.get("/favoris"))


@pytest.mark.parametrize("url_kind", ["seance", "fiche"])
def test_unpublished_or_unknown_things_cannot_be_kept(client, make_seance, make_fiche, url_kind):
    draft = make_seance(published=False)
    fiche = make_fiche(draft)
    target = draft.id if url_kind == "seance" else fiche.id
    assert toggle(client, url_kind, target).status_code == 404
    assert toggle(client, url_kind, 99999).status_code == 404
    assert toggle(client, "question", 1).status_code == 404
    assert favourites() == 0


def test_a_deleted_fiche_is_kept_by_no_one(client, demo):
    from masterclass.fiches.services import delete_fiche

    fiche_id = demo.fiches[0].id
    toggle(client, "fiche", fiche_id)
    toggle(client, "seance", demo.id)
    assert favourites() == 2
    delete_fiche(fiche_id, user_id=None)
    assert favourites() == 1
    assert db.session.scalar(select(Favourite.kind)) == "seance"
