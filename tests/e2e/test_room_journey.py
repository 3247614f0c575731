"""A whole séance: two phones join by the QR code on the projector, a laptop runs it."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from ..tools import require
from .room import act_on, moderator, phone, queue_item, wait_for_polls

pytestmark = pytest.mark.e2e


def read_qr(page, tmp_path) -> str:
    """What a phone's camera reads off the projector (zbarimg decodes a screenshot of it)."""
    require(shutil.which("zbarimg") is not None, "zbarimg (Debian zbar-tools)")
    shot = tmp_path / "qr.png"
    page.locator(".qr").screenshot(path=str(shot))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_two_phones_a_laptop_and_a_projector_run_a_seance(browser, room, make_user, tmp_path):
    mod = moderator(browser, room.base, make_user)
    mod.goto(room.base + f"/moderation/seances/{room.slug}/questions")
    projector = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="fr-FR").new_page()
    projector.goto(room.url + "/ecran")

    url = read_qr(projector, tmp_path)
    assert url == room.url + "/questions"
    anne, bruno = phone(browser), phone(browser)
    anne.goto(url)
    bruno.goto(url)
    wait_for_polls(anne, 2)

    anne.get_by_label("Votre question").fill("Comment sont choisis les logements proposés aux familles ?")
    anne.get_by_role("button", name="Envoyer ma question").click()
    mine = anne.locator("#mes-questions")
    expect(mine).to_contain_text("En attente de relecture", timeout=5_000)
    expect(bruno.locator("#questions-salle")).not_to_contain_text("logements proposés")

    expect(queue_item(mod, "logements proposés")).to_be_visible(timeout=8_000)
    act_on(mod, "logements proposés", "Retenir")
    expect(mine).to_contain_text("Retenue", timeout=8_000)
    row = bruno.locator("#questions-salle li", has_text="logements proposés")
    expect(row).to_be_visible(timeout=8_000)
    # The newest question is on the screen at once, though nobody has voted for it yet.
    expect(projector.locator(".screen-list li:not([hidden])", has_text="logements proposés")).to_be_visible(
        timeout=8_000)

    row.get_by_role("button", name=re.compile("Je soutiens")).click()
    expect(row.get_by_role("button", name=re.compile("Je soutiens"))).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".vote-count")).to_have_text("1")

    # Bruno reads the newest first, then goes back: the whole page, his vote still his.
    tabs = bruno.get_by_role("navigation", name="Lire les questions")
    tabs.get_by_role("link", name="Récentes").click()
    expect(bruno).to_have_url(re.compile(r"tri=recent"))
    bruno.go_back()
    expect(bruno.get_by_label("Votre question")).to_be_visible()
    expect(bruno.locator("#questions-salle li", has_text="logements proposés").get_by_role(
        "button", name=re.compile("Je soutiens"))).to_have_attribute("aria-pressed", "true")
    bruno.go_forward()
    expect(tabs.get_by_role("link", name="Récentes")).to_have_attribute("aria-current", "page")
    expect(anne.get_by_role("button", name=re.compile("Je soutiens")).first).to_have_attribute(
        "aria-pressed", "false")

    # The moderator closes the questions: both phones follow; the screen says so.
    mod.get_by_role("button", name="Fermer les questions").click()
    for page in (anne, bruno):
        expect(page.get_by_text("Les questions sont fermées")).to_be_visible(timeout=8_000)
    expect(projector.get_by_text("Les questions sont fermées")).to_be_visible(timeout=8_000)
    assert anne.page_errors == [] and bruno.page_errors == []
