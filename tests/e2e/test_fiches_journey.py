"""A moderator attaches a fiche; a visitor downloads it and keeps it in their favourites."""

import re

import pytest
from playwright.sync_api import expect

from ..files import DISGUISED, pdf

pytestmark = pytest.mark.e2e

SLUG = "seance-developpement-economique-2019-05-16"


def test_upload_then_download_then_keep(browser, live_server, make_user, page, tmp_path, console_errors):
    make_user(email="mod@example.org", role="moderator", password="mot de passe sûr")
    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    mod = laptop.new_page()
    mod.goto(live_server + f"/connexion?next=/moderation/seances/{SLUG}/modifier")
    mod.get_by_label("Adresse e-mail").fill("mod@example.org")
    mod.get_by_label("Mot de passe").fill("mot de passe sûr")
    mod.get_by_role("button", name="Se connecter").click()

    # A disguised file is refused in place, the typed title kept.
    fake = tmp_path / "compte-rendu.pdf"
    fake.write_bytes(DISGUISED["page.pdf"])
    mod.get_by_label("Titre de la fiche").fill("Compte rendu détaillé")
    mod.get_by_label("Fichier", exact=True).set_input_files(str(fake))
    mod.get_by_role("button", name="Ajouter la fiche").click()
    expect(mod.locator("#fiches-admin")).to_contain_text("Le contenu du fichier ne correspond pas à son extension")
    expect(mod.get_by_label("Titre de la fiche")).to_have_value("Compte rendu détaillé")

    real = tmp_path / "compte-rendu.pdf"
    real.write_bytes(pdf("compte rendu"))
    mod.get_by_label("Fichier", exact=True).set_input_files(str(real))
    mod.get_by_label("Description").fill("Les échanges, question par question.")
    mod.get_by_role("button", name="Ajouter la fiche").click()
    expect(mod.locator("#fiches-admin")).to_contain_text("Fiche « Compte rendu détaillé » ajoutée.")
    expect(mod.locator(".fiche-admin-list > li")).to_have_count(2)
    laptop.close()

    # A visitor on a phone downloads it and keeps it.
    page.goto(live_server + f"/seances/{SLUG}")
    fiche = page.locator("li.fiche", has_text="Compte rendu détaillé")
    expect(fiche).to_contain_text("PDF · Poids :")
    with page.expect_download() as download_info:
        fiche.get_by_role("link", name=re.compile("Télécharger")).click()
    assert download_info.value.suggested_filename == "compte-rendu.pdf"
    with open(download_info.value.path(), "rb") as fh:
        assert fh.read() == pdf("compte rendu")

    expect(page.locator("#favoris-compte")).to_have_text("0")
    keep = fiche.get_by_role("button", name=re.compile("Ajouter aux favoris"))
    keep.click()
    expect(fiche.get_by_role("button", name=re.compile("Retirer des favoris"))).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#favoris-compte")).to_have_text("1")
    page.get_by_role("button", name=re.compile("Ajouter aux favoris : Séance")).click()
    expect(page.locator("#favoris-compte")).to_have_text("2")

    page.get_by_role("link", name=re.compile("Mes favoris")).click()
    expect(page.get_by_role("heading", name="Mes favoris")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Compte rendu détaillé")
    expect(page.locator("main")).to_contain_text("Séance Développement économique")
    assert console_errors == []


def test_favourite_without_javascript(no_js_page, live_server):
    page = no_js_page
    page.goto(live_server + f"/seances/{SLUG}")
    page.get_by_role("button", name=re.compile("Ajouter aux favoris : Séance")).click()
    expect(page).to_have_url(live_server + f"/seances/{SLUG}")
    expect(page.get_by_role("button", name=re.compile("Retirer des favoris : Séance"))).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("path", ["/favoris"])
def test_no_serious_accessibility_violation_favourites(axe_check, live_server, path):
    assert axe_check(live_server + path) == []
