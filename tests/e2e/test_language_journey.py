"""A visitor reads the site in English on a phone, then goes back to French (issue 16)."""

from playwright.sync_api import expect

from masterclass.demo import DEMO_SLUG


def test_switching_language_on_a_phone_with_and_without_javascript(live_server, page, no_js_page,
                                                                    console_errors, axe_check):
    for browser_page in (page, no_js_page):
        browser_page.goto(live_server + "/")
        expect(browser_page.locator("html")).to_have_attribute("lang", "fr")
        switch = browser_page.get_by_role("link", name="English")
        expect(switch).to_have_attribute("hreflang", "en")
        switch.click()
        expect(browser_page.locator("html")).to_have_attribute("lang", "en")
        expect(browser_page.get_by_role("heading", name="Join a session")).to_be_visible()
        # Remembered: the next page, reached without ?lang, is English too.
        browser_page.get_by_role("link", name="Sessions", exact=True).first.click()
        expect(browser_page.locator("html")).to_have_attribute("lang", "en")
        expect(browser_page.get_by_role("link", name="Français")).to_be_visible()
        browser_page.goto(f"{live_server}/seances/{DEMO_SLUG}")
        expect(browser_page.get_by_text("Thursday 16 May 2019, 14:00")).to_be_visible()
        expect(browser_page.get_by_role("heading", name="Among the questions")).to_be_visible()
        browser_page.get_by_role("link", name="Français").click()
        expect(browser_page.locator("html")).to_have_attribute("lang", "fr")
        expect(browser_page.get_by_text("jeudi 16 mai 2019, 14 h 00")).to_be_visible()
        # The header fits a 360 px phone in both languages.
        assert browser_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert console_errors == []
    for path in ("/?lang=en", f"/seances/{DEMO_SLUG}?lang=en", "/recherche?q=emploi&lang=en"):
        assert axe_check(live_server + path) == [], path
