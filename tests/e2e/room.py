"""The people of a live séance as the tests drive them: phones, the moderator's laptop, the screen.

They act like people: they wait for the page to poll before they act, press Back, and keep
several phones open at once.
"""

import re

from playwright.sync_api import expect

from .conftest import PHONE

LAPTOP = {"width": 1366, "height": 768}
POLL = "/questions/live"


def phone(browser, **extra):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR", **extra)
    page = context.new_page()
    page.page_errors = []
    page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
    return page


def wait_for_polls(page, count=2, path=POLL):
    """Let the page poll ``count`` times, as it does when someone has been there a few seconds."""
    for _ in range(count):
        with page.expect_response(lambda r: path in r.url and r.request.method == "GET", timeout=15_000):
            pass


def moderator(browser, base, make_user, email="mod@example.org"):
    make_user(email=email, role="moderator", password="mot de passe sûr")
    page = browser.new_context(viewport=LAPTOP, locale="fr-FR").new_page()
    page.goto(base + "/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill("mot de passe sûr")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/moderation/")
    return page


def queue_item(mod, text):
    return mod.locator("li.queue-item", has_text=text)


def act_on(mod, text, button):
    queue_item(mod, text).get_by_role("button", name=re.compile(button)).click()


def expect_whole_page(page, heading=None):
    """A page, not a fragment: the site's header and the page's own heading are there."""
    expect(page.locator("a.brand")).to_be_visible()
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
