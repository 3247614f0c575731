"""A real séance: two phones and a moderator's laptop, and the projector screen."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from masterclass.db import write_transaction
from masterclass.models import Seance

from .conftest import PHONE

pytestmark = pytest.mark.e2e

SLUG = "seance-developpement-economique-2019-05-16"


@pytest.fixture
def open_seance(live_server, app):
    with write_transaction() as session:
        session.scalar(select(Seance).where(Seance.slug == SLUG)).questions_open = True
    return live_server


def phone(browser):
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR").new_page()


def moderator_page(browser, base, make_user):
    make_user(email="mod@example.org", role="moderator", password="mot de passe sûr")
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR").new_page()
    page.goto(base + "/connexion")
    page.get_by_label("Adresse e-mail").fill("mod@example.org")
    page.get_by_label("Mot de passe").fill("mot de passe sûr")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(base + f"/moderation/seances/{SLUG}/questions")
    return page


def test_question_flows_from_a_phone_to_the_queue_to_the_room_and_the_screen(browser, open_seance, make_user):
    base = open_seance
    errors = []
    anne, bruno = phone(browser), phone(browser)
    for page in (anne, bruno):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    mod = moderator_page(browser, base, make_user)
    screen = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    screen.goto(base + f"/seances/{SLUG}/ecran")

    # Anne joins by typing the code shown on the screen, tolerant of case and spaces.
    code = screen.locator(".screen-code").inner_text()
    anne.goto(base + "/")
    anne.get_by_label("Code de la séance").fill(f" {code[:3].lower()} {code[3:]} ")
    anne.get_by_role("button", name="Rejoindre").click()
    expect(anne.get_by_role("heading", name="Poser une question")).to_be_visible()
    bruno.goto(base + f"/seances/{SLUG}/questions")

    text = "Comment une association peut-elle trouver un local ?"
    anne.get_by_label("Votre question").fill(text)
    expect(anne.locator("#body-compteur")).to_contain_text(f"{len(text)} / 500")
    anne.get_by_role("button", name="Envoyer ma question").click()
    expect(anne.get_by_text("Merci ! Votre question est envoyée")).to_be_visible()
    expect(anne.get_by_label("Votre question")).to_have_value("")
    mine = anne.locator("#mes-questions")
    expect(mine).to_contain_text("Comment une association peut-elle trouver un local ?")
    expect(mine).to_contain_text("En attente de relecture")

    # The moderator sees it arrive without reloading, and approves it.
    item = mod.locator("li.queue-item", has_text="trouver un local")
    expect(item).to_be_visible(timeout=10_000)
    expect(mod.locator(".queue-counts")).to_contain_text("1 en attente")
    item.get_by_role("button", name=re.compile("Retenir")).click()
    expect(mod.locator(".queue-counts")).to_contain_text("0 en attente")

    # Bruno's phone and the screen show it without reload; Anne sees it retained.
    room = bruno.locator("ol.room-questions")
    expect(room).to_contain_text("trouver un local", timeout=10_000)
    expect(mine).to_contain_text("Retenue", timeout=10_000)

    # Bruno supports it; the button says so (aria-pressed) and the count is exact.
    row = bruno.locator("ol.room-questions > li", has_text="trouver un local")
    row.get_by_role("button", name=re.compile("Je soutiens")).click()
    expect(row.get_by_role("button", name=re.compile("Je soutiens"))).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".vote-count")).to_have_text("1")

    # Pinned: biggest on the screen (from the "Retenues" tab, where it now is).
    mod.locator("nav.desk-tabs a", has_text="Retenues").click()
    mod.locator("li.queue-item", has_text="trouver un local").get_by_role(
        "button", name=re.compile("Épingler")).click()
    expect(screen.locator(".screen-pinned-body")).to_have_text(
        "Comment une association peut-elle trouver un local ?", timeout=10_000)
    expect(bruno.locator("ol.room-questions > li").first).to_contain_text("En cours de réponse", timeout=10_000)
    assert errors == []


def test_typed_text_survives_a_network_failure(browser, open_seance):
    page = phone(browser)
    page.goto(open_seance + f"/seances/{SLUG}/questions")
    page.get_by_label("Votre question").fill("Une question écrite dans un sous-sol ?")
    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Pas de connexion pour l’instant")).to_be_visible()
    expect(page.get_by_label("Votre question")).to_have_value("Une question écrite dans un sous-sol ?")
    page.context.set_offline(False)
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Merci ! Votre question est envoyée")).to_be_visible()
    expect(page.get_by_text("Pas de connexion pour l’instant")).to_be_hidden()


def test_participant_without_javascript(no_js_page, open_seance):
    page = no_js_page
    page.goto(open_seance + f"/seances/{SLUG}/questions")
    page.get_by_label("Votre question").fill("x")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.locator("#body-erreur")).to_contain_text("entre 3 et 500 caractères")
    page.get_by_label("Votre question").fill("Une question sans JavaScript ?")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Merci ! Votre question est envoyée")).to_be_visible()
    expect(page.locator("#mes-questions")).to_contain_text("Une question sans JavaScript ?")
    row = page.locator("ol.room-questions > li").first
    row.get_by_role("button", name=re.compile("Je soutiens")).click()
    expect(page.locator("ol.room-questions > li").first.get_by_role(
        "button", name=re.compile("Je soutiens"))).to_have_attribute("aria-pressed", "true")


def test_unchanged_polls_are_answered_304(browser, open_seance):
    page = phone(browser)
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/questions/live" in r.url else None)
    page.goto(open_seance + f"/seances/{SLUG}/questions")
    page.wait_for_timeout(10_000)
    assert len(statuses) >= 3 and set(statuses[1:]) == {304}, statuses


@pytest.mark.parametrize("path", [f"/seances/{SLUG}/questions", f"/seances/{SLUG}/ecran",
                                  f"/moderation/seances/{SLUG}/questions"])
def test_no_serious_accessibility_violation_live(axe_check, open_seance, make_user, path):
    make_user(email="admin@example.org", role="admin", password="mot de passe sûr")
    login = ("admin@example.org", "mot de passe sûr") if path.startswith("/moderation") else None
    assert axe_check(open_seance + path, login=login) == []


def test_moderator_typing_a_correction_is_not_wiped_by_new_questions(browser, open_seance, make_user, app):
    mod = moderator_page(browser, open_seance, make_user)
    mod.locator("nav.desk-tabs a", has_text="Toutes").click()
    item_id = mod.locator("li.queue-item").first.get_attribute("id")
    item = mod.locator(f"#{item_id}")
    item.locator("summary").first.click()
    field = item.get_by_label("Texte de la question")
    field.fill("Une correction en cours de frappe")
    anne = phone(browser)
    anne.goto(open_seance + f"/seances/{SLUG}/questions")
    anne.get_by_label("Votre question").fill("Une question qui arrive pendant la correction ?")
    anne.get_by_role("button", name="Envoyer ma question").click()
    expect(anne.get_by_text("Merci ! Votre question est envoyée")).to_be_visible()
    mod.wait_for_timeout(4_000)
    expect(field).to_have_value("Une correction en cours de frappe")
    item.get_by_role("button", name="Enregistrer la correction").click()
    expect(mod.locator("li.queue-item", has_text="pendant la correction")).to_be_visible(timeout=10_000)
    expect(mod.locator(".queue-list")).to_contain_text("Une correction en cours de frappe")
