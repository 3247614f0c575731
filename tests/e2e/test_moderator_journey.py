"""A moderator on a laptop creates and publishes a séance; a visitor finds it in the archive."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def moderator_account(make_user):
    return make_user(email="moderatrice@example.org", role="moderator", password="mot de passe sûr")


def test_moderator_publishes_a_seance_that_visitors_then_see(browser, live_server, moderator_account,
                                                             page, console_errors):
    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    mod = laptop.new_page()
    mod.goto(live_server + "/moderation/")
    expect(mod).to_have_url(re.compile(r"/connexion\?next=/moderation/"))
    mod.get_by_label("Adresse e-mail").fill("moderatrice@example.org")
    mod.get_by_label("Mot de passe").fill("mot de passe sûr")
    mod.get_by_role("button", name="Se connecter").click()
    expect(mod.get_by_role("heading", name="Modération", level=1)).to_be_visible()

    mod.get_by_role("link", name="Nouvelle séance").click()
    mod.get_by_label("Titre").fill("Séance Emploi des jeunes")
    mod.get_by_label("Date").fill("2026-03-12")
    mod.get_by_label("Heure").fill("18:30")
    mod.get_by_label("Ville").fill("Denain")
    mod.get_by_label("Lieu").fill("Centre social Jean-Jaurès")
    mod.get_by_label("Thème").fill("Emploi")
    mod.get_by_label("Intervenant·e (nom)").fill("Claire Martin")
    mod.get_by_label("Compte rendu").fill(
        "<h2>Ce qu’il faut retenir</h2><ul><li>La <strong>Mission locale</strong> accompagne</li></ul>"
        '<p><a href="javascript:alert(1)">piège</a></p>')
    mod.get_by_label("Publier la séance").check()
    mod.get_by_role("button", name="Créer la séance").click()
    expect(mod.get_by_text("Séance « Séance Emploi des jeunes » créée.")).to_be_visible()
    expect(mod).to_have_url(re.compile(r"/moderation/seances/seance-emploi-des-jeunes-2026-03-12/modifier$"))
    expect(mod.locator(".audit")).to_contain_text("a publié la séance")
    laptop.close()

    # A visitor on a phone.
    page.goto(live_server + "/seances")
    page.get_by_role("link", name="Séance Emploi des jeunes").click()
    expect(page.get_by_role("heading", name="Ce qu’il faut retenir")).to_be_visible()
    expect(page.locator(".rich-text strong")).to_have_text("Mission locale")
    expect(page.locator(".rich-text a")).not_to_have_attribute("href", re.compile("javascript"))
    assert console_errors == []


@pytest.mark.parametrize("path", ["/connexion", "/moderation/", "/moderation/seances/nouvelle",
                                  "/moderation/seances/seance-developpement-economique-2019-05-16/modifier",
                                  "/admin/utilisateurs"])
def test_no_serious_accessibility_violation_in_moderation(axe_check, live_server, make_user, path):
    make_user(email="admin@example.org", role="admin", password="mot de passe sûr")
    login = None if path == "/connexion" else ("admin@example.org", "mot de passe sûr")
    assert axe_check(live_server + path, login=login) == []
