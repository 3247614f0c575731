"""A participant's phone in a live séance, used as a person uses it: they wait, they come back."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import Question, Seance
from masterclass.questions.desk import set_status

from .room import moderator, phone, wait_for_polls

pytestmark = pytest.mark.e2e


def test_the_asker_sees_their_question_after_the_list_has_polled(browser, room):
    anne = phone(browser)
    anne.goto(room.url + "/questions")
    wait_for_polls(anne, 2)  # the list is polled and its ETag kept, as after a few seconds
    anne.get_by_label("Votre question").fill("Combien de temps dure une demande de logement ?")
    anne.get_by_role("button", name="Envoyer ma question").click()
    expect(anne.get_by_text("Merci ! Votre question est envoyée")).to_be_visible()
    mine = anne.locator("#mes-questions")
    expect(mine).to_contain_text("Combien de temps dure une demande de logement ?", timeout=5_000)
    expect(mine).to_contain_text("En attente de relecture")
    # Still there after the next polls (nothing else changed in the room).
    wait_for_polls(anne, 2)
    expect(mine).to_contain_text("Combien de temps dure une demande de logement ?")
    assert anne.page_errors == []


def closed_notices(page):
    """The "closed" messages a person sees (hidden ones wait in the page for the next closing)."""
    return page.get_by_text(re.compile("questions sont fermées")).filter(visible=True)


def test_opening_and_closing_reach_the_phones_already_there(browser, room, make_user):
    with write_transaction() as session:
        session.get(Seance, room.id).questions_open = False
    anne, bruno = phone(browser), phone(browser)
    for page in (anne, bruno):
        page.goto(room.url + "/questions")
        expect(closed_notices(page)).to_have_count(1)
        expect(page.get_by_label("Votre question")).to_be_hidden()
    mod = moderator(browser, room.base, make_user)
    mod.goto(room.base + f"/moderation/seances/{room.slug}/questions")
    wait_for_polls(anne, 1)

    mod.get_by_role("button", name="Ouvrir les questions").click()
    expect(mod.get_by_text("Questions ouvertes")).to_be_visible()
    for page in (anne, bruno):
        expect(page.get_by_label("Votre question")).to_be_visible(timeout=8_000)  # within one poll
        expect(closed_notices(page)).to_have_count(0)
    anne.get_by_label("Votre question").fill("Une question tapée juste avant la fermeture")

    mod.get_by_role("button", name="Fermer les questions").click()
    expect(mod.get_by_text("Questions fermées")).to_be_visible()
    expect(closed_notices(anne)).to_have_count(1, timeout=8_000)
    expect(anne.get_by_label("Votre question")).to_have_value("Une question tapée juste avant la fermeture")
    expect(anne.get_by_role("button", name="Envoyer ma question")).to_be_hidden()
    expect(bruno.get_by_label("Votre question")).to_be_hidden(timeout=8_000)

    # Sending anyway (the page had not caught up) says it once, and keeps the text.
    mod.get_by_role("button", name="Ouvrir les questions").click()
    expect(anne.get_by_role("button", name="Envoyer ma question")).to_be_visible(timeout=8_000)
    mod.get_by_role("button", name="Fermer les questions").click()
    expect(mod.get_by_text("Questions fermées")).to_be_visible()
    anne.get_by_role("button", name="Envoyer ma question").click()
    expect(closed_notices(anne)).to_have_count(1)
    expect(anne.get_by_label("Votre question")).to_have_value("Une question tapée juste avant la fermeture")
    assert anne.page_errors == [] and bruno.page_errors == []


def test_messages_say_what_is_happening_and_never_contradict(browser, room):
    page = phone(browser)
    page.goto(room.url + "/questions")
    wait_for_polls(page, 1)
    page.get_by_label("Votre question").fill("Première question envoyée sans souci ?")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Merci ! Votre question est envoyée")).to_be_visible()

    page.get_by_label("Votre question").fill("Seconde question, dans un couloir sans réseau ?")
    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Pas de connexion pour l’instant")).to_be_visible()
    expect(page.get_by_text("Merci ! Votre question est envoyée")).to_have_count(0)
    expect(page.get_by_label("Votre question")).to_have_value("Seconde question, dans un couloir sans réseau ?")
    page.context.set_offline(False)

    # Weak Wi-Fi: the answer takes seconds; the phone says in words that it is sending.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 2500,
                                                 "downloadThroughput": -1, "uploadThroughput": -1})
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Envoi en cours…")).to_be_visible(timeout=2_000)
    expect(page.get_by_text("Pas de connexion pour l’instant")).to_be_hidden()
    expect(page.get_by_text("Merci ! Votre question est envoyée")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Envoi en cours…")).to_be_hidden()
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                 "downloadThroughput": -1, "uploadThroughput": -1})
    assert page.page_errors == []


def test_a_phone_first_page(browser, room, make_question, app):
    with write_transaction() as session:
        session.get(Seance, room.id).title = ("Séance Logement : comprendre les attributions de logements "
                                              "sociaux dans les quartiers prioritaires de la ville")
    answered = make_question(_seance(room.id), body="Où déposer un dossier de demande ?", status="answered")
    make_question(_seance(room.id), body="Qui siège à la commission d’attribution ?", pinned=True)
    page = phone(browser)
    page.goto(room.url + "/questions")

    # The question field and the send button are in the first screen, without scrolling.
    for target in (page.get_by_label("Votre question"), page.get_by_role("button", name="Envoyer ma question")):
        box = target.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 740, box
    title = page.get_by_role("heading", level=1).bounding_box()
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).lineHeight)")
    assert title["height"] <= 2 * line + 2
    expect(page.get_by_role("search")).to_have_count(0)  # the site's search is not what one came for

    tabs = page.get_by_role("navigation", name="Lire les questions")
    expect(tabs.get_by_role("link")).to_have_text([re.compile("Populaires"), re.compile("Récentes"),
                                                   re.compile("Mes questions")])
    open_list = page.locator("#questions-salle")
    done = page.locator("#questions-repondues")
    expect(done).to_contain_text("Où déposer un dossier de demande ?")
    expect(open_list).not_to_contain_text("Où déposer un dossier de demande ?")
    pinned = open_list.locator("li", has_text="commission d’attribution")
    expect(pinned).to_contain_text("En cours de réponse")
    expect(pinned).not_to_contain_text("Répondue")
    answered_card = done.locator("li", has_text="dossier de demande")
    expect(answered_card).to_contain_text("Répondue")
    expect(answered_card).not_to_contain_text("En cours de réponse")
    assert answered.id

    # A pinned question marked answered is "Répondue" only.
    question_id = db.session.scalar(select(Question.id).where(Question.body.like("%commission%")))
    set_status(question_id, "answered", user_id=None)
    expect(done.locator("li", has_text="commission d’attribution")).to_contain_text("Répondue", timeout=8_000)
    expect(page.get_by_text("En cours de réponse")).to_have_count(0)

    tabs.get_by_role("link", name="Mes questions").click()
    expect(page.locator("#live")).to_contain_text("Vous n’avez pas encore posé de question")
    assert page.page_errors == []


def _seance(seance_id):
    db.session.rollback()
    return db.session.get(Seance, seance_id)


def test_typed_paragraphs_survive(browser, room, make_user):
    anne = phone(browser)
    anne.goto(room.url + "/questions")
    anne.get_by_label("Votre question").fill("Premier paragraphe de ma question.\n\nEt un second, après une ligne vide.")
    anne.get_by_role("button", name="Envoyer ma question").click()
    mine = anne.locator("#mes-questions li").first
    expect(mine.locator(".question-body p")).to_have_count(2)

    mod = moderator(browser, room.base, make_user)
    mod.goto(room.base + "/moderation/seances/nouvelle")
    mod.get_by_label("Titre").fill("Séance Paragraphes")
    mod.get_by_label("Date").fill("2026-03-12")
    mod.get_by_label("Ville").fill("Lens")
    mod.get_by_label("Le concept").fill("Un premier paragraphe.\n\nUn second paragraphe.")
    mod.get_by_label("Compte rendu").fill("Un compte rendu.\n\nEn deux paragraphes.")
    mod.get_by_label("Publier").check()
    mod.get_by_role("button", name="Créer la séance").click()
    expect(mod.get_by_text("Séance « Séance Paragraphes » créée.")).to_be_visible()
    mod.goto(room.base + "/seances/seance-paragraphes-2026-03-12")
    expect(mod.locator("section[aria-labelledby=concept] p")).to_have_count(2)
    expect(mod.locator("section[aria-labelledby=compte-rendu] p")).to_have_count(2)


def test_long_words_and_urls_never_widen_a_page(browser, room, make_question, make_fiche):
    word = "Anticonstitutionnellement" * 4
    url = "https://www.example.org/" + "documents/" * 12 + "fiche-logement-social.pdf"
    with write_transaction() as session:
        seance = session.get(Seance, room.id)
        seance.title = f"Séance {word}"
        seance.concept = f"Voir {url} pour le détail."
    make_question(_seance(room.id), body=f"Pourquoi ce lien {url} ne marche-t-il pas ? {word}")
    make_fiche(_seance(room.id), title=f"Fiche {word}", description=url)
    page = phone(browser)
    for path in ["/", "/seances", f"/seances/{room.slug}", f"/seances/{room.slug}/questions",
                 f"/recherche?q={word[:40]}", "/favoris"]:
        page.goto(room.base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)


def test_a_question_the_database_cannot_take_comes_back_with_the_reason(browser, room, app):
    """The server answers 503 (here the database stays locked by another writer): the phone
    shows why, the text still in the box, and no "thank you"."""
    from ..helpers import hold_the_write_lock

    page = phone(browser)
    page.goto(room.url + "/questions")
    page.get_by_label("Votre question").fill("Une question pendant que la base est prise ?")
    release = hold_the_write_lock(db.engine)
    try:
        page.get_by_role("button", name="Envoyer ma question").click()
        expect(page.get_by_text("Beaucoup de questions arrivent en même temps")).to_be_visible(timeout=14_000)
    finally:
        release()
    expect(page.get_by_label("Votre question")).to_have_value("Une question pendant que la base est prise ?")
    expect(page.get_by_text("Merci ! Votre question est envoyée")).to_have_count(0)
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Merci ! Votre question est envoyée")).to_be_visible()
    assert page.page_errors == []
