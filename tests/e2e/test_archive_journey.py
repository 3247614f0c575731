"""A visitor on a phone: home → archive → séance → download the fiche."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

DEMO_PATH = "/seances/seance-developpement-economique-2019-05-16"


def test_visitor_reads_the_anzin_seance_and_downloads_its_fiche(page, live_server, console_errors):
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name="Rejoindre une séance")).to_be_visible()
    page.get_by_role("link", name="Toutes les séances").click()
    expect(page).to_have_url(live_server + "/seances")

    # htmx: choosing a city updates the list in place and keeps the URL shareable.
    page.get_by_label("Ville").select_option("Anzin")
    expect(page).to_have_url(re.compile(r"/seances\?.*ville=Anzin"))
    expect(page.locator("#resultats")).to_contain_text("1 séance")

    page.get_by_role("link", name="Séance Développement économique").click()
    expect(page).to_have_url(live_server + DEMO_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Séance Développement économique")
    expect(page.locator("ul.questions li")).to_have_count(11)
    expect(page.get_by_text("Comment aider une entreprise à recruter ?")).to_be_visible()
    fiche = page.locator("li.fiche")
    expect(fiche).to_contain_text("Poids : 501,15 Ko")

    with page.expect_download() as download_info:
        fiche.get_by_role("link", name=re.compile("Télécharger")).click()
    download = download_info.value
    assert download.suggested_filename == "fiche-capitalisation-dev-eco.pdf"
    with open(download.path(), "rb") as fh:
        content = fh.read()
    assert content.startswith(b"%PDF-") and len(content) == 513_178
    assert console_errors == []


def test_archive_filters_work_without_javascript(no_js_page, live_server):
    page = no_js_page
    page.goto(live_server + "/seances")
    page.get_by_label("Année").select_option("2019")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"annee=2019"))
    expect(page.get_by_role("link", name="Séance Développement économique")).to_be_visible()


def test_join_form_with_an_unknown_code(page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Code de la séance").fill("zz zz zz")
    page.get_by_role("button", name="Rejoindre").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucune séance ne porte le code")
    expect(page.get_by_label("Code de la séance")).to_have_value("zz zz zz")


def test_page_fits_a_phone_without_sideways_scrolling(page, live_server):
    for path in ["/", "/seances", DEMO_PATH]:
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


@pytest.mark.parametrize("path", ["/", "/seances", DEMO_PATH, "/nulle-part",
                                  "/rejoindre?code=ZZZZZZ"])
def test_no_serious_accessibility_violation(axe_check, live_server, path):
    assert axe_check(live_server + path) == []
