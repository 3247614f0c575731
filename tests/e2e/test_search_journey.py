"""Live search on a phone: results as one types, a URL to share, and the header box."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_results_update_as_one_types_and_the_url_can_be_shared(page, live_server, console_errors):
    page.goto(live_server + "/")
    page.get_by_label("Rechercher").first.fill("formation")
    page.get_by_label("Rechercher").first.press("Enter")
    expect(page).to_have_url(re.compile(r"/recherche\?q=formation"))
    expect(page.locator("#res-questions")).to_be_visible()

    box = page.locator("#q")
    box.fill("")
    box.press_sequentially("recrut", delay=60)
    expect(page.locator("#resultats-recherche mark").first).to_have_text("recruter")
    expect(page).to_have_url(re.compile(r"q=recrut"))
    expect(page.locator("#resultats-recherche")).to_contain_text("Comment aider une entreprise à recruter ?")
    expect(box).to_be_focused()

    shared = page.url
    other = page.context.new_page()
    other.goto(shared)
    expect(other.locator("#resultats-recherche")).to_contain_text("Comment aider une entreprise à recruter ?")
    assert console_errors == []


def test_search_without_javascript(no_js_page, live_server):
    page = no_js_page
    page.goto(live_server + "/recherche")
    page.locator("#q").fill("banques")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.locator("#resultats-recherche")).to_contain_text("confiance des banques")


def test_no_serious_accessibility_violation_search(axe_check, live_server):
    assert axe_check(live_server + "/recherche?q=recruter") == []
