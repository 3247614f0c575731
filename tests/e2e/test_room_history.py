"""Back, forward and reload bring whole pages back, whichever way the browser gets them."""

import re

import pytest
from playwright.sync_api import expect

from .room import expect_whole_page, phone, wait_for_polls

pytestmark = pytest.mark.e2e


def test_the_participant_list_tabs_and_back(browser, room):
    page = phone(browser)
    page.goto(room.url + "/questions")
    wait_for_polls(page, 1)
    tabs = page.get_by_role("navigation", name="Lire les questions")
    tabs.get_by_role("link", name="Récentes").click()
    expect(page).to_have_url(re.compile(r"/questions\?tri=recent$"))
    tabs.get_by_role("link", name="Populaires").click()
    expect(page).to_have_url(re.compile(r"/questions\?tri=votes$"))
    wait_for_polls(page, 1)

    page.go_back()  # htmx asks the server for the page (no history kept in the browser's storage)
    expect(page).to_have_url(re.compile(r"/questions\?tri=recent$"))
    expect_whole_page(page, room.title)
    expect(page.get_by_label("Votre question")).to_be_visible()
    expect(tabs.get_by_role("link", name="Récentes")).to_have_attribute("aria-current", "page")
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/questions\?tri=votes$"))
    expect_whole_page(page, room.title)
    expect(page.get_by_label("Votre question")).to_be_visible()
    page.reload()
    expect_whole_page(page, room.title)

    # Away to another page and back: the browser restores it from its own cache or asks again.
    page.get_by_role("link", name="Présentation de la séance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(room.title)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/questions\?tri=votes$"))
    expect_whole_page(page, room.title)
    expect(page.get_by_label("Votre question")).to_be_visible()
    assert page.page_errors == []


def test_archive_filters_and_back(browser, live_server):
    page = phone(browser)
    page.goto(live_server + "/seances")
    page.get_by_label("Ville").select_option("Anzin")
    expect(page).to_have_url(re.compile(r"ville=Anzin"))
    page.get_by_label("Année").select_option("2019")
    expect(page).to_have_url(re.compile(r"annee=2019"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"ville=Anzin"))
    expect_whole_page(page, "Les séances")
    expect(page.get_by_label("Ville")).to_have_value("Anzin")
    expect(page.locator("#resultats")).to_contain_text("1 séance")

    page.get_by_role("link", name="Séance Développement économique").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Séance Développement économique")
    page.go_back()
    expect_whole_page(page, "Les séances")
    expect(page.get_by_label("Ville")).to_be_visible()
    page.reload()
    expect_whole_page(page, "Les séances")
    assert page.page_errors == []


def test_live_search_and_back(browser, live_server):
    page = phone(browser)
    page.goto(live_server + "/recherche")
    box = page.locator("#q")
    box.press_sequentially("recrut", delay=80)
    expect(page).to_have_url(re.compile(r"q=recrut$"))
    expect(page.locator("#resultats-recherche")).to_contain_text("recruter")
    page.wait_for_timeout(600)  # a person pauses, then types on
    box.press_sequentially("er", delay=80)
    expect(page).to_have_url(re.compile(r"q=recruter$"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"q=recrut$"))
    expect_whole_page(page, "Rechercher dans les séances")
    expect(page.locator("#q")).to_be_visible()
    expect(page.locator("#resultats-recherche")).to_contain_text("recruter")
    page.go_forward()
    expect_whole_page(page, "Rechercher dans les séances")
    assert page.page_errors == []
