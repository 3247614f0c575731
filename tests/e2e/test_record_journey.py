"""Issue 17 in a real browser: after the séance a moderator answers two questions in writing,
drafts the fiche, downloads its PDF, attaches it in one click; a visitor then sees the answers,
the counts and the new fiche with its size."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from masterclass.db import write_transaction
from masterclass.models import Seance

pytestmark = pytest.mark.e2e


@pytest.fixture
def moderator(make_user):
    return make_user(email="moderatrice@example.org", role="moderator", password="mot de passe sûr")


def test_written_answers_fiche_draft_and_the_public_record(browser, live_server, moderator, demo,
                                                           make_question, page, console_errors, tmp_path):
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = False
    first = make_question(demo, body="Comment financer une reprise d’entreprise ?", status="answered")
    second = make_question(demo, body="Où trouver des locaux dans le quartier ?", status="approved")
    set_aside = make_question(demo, body="Texte écarté à ne jamais montrer", status="rejected")

    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    mod = laptop.new_page()
    mod.goto(live_server + "/connexion")
    mod.get_by_label("Adresse e-mail").fill("moderatrice@example.org")
    mod.get_by_label("Mot de passe").fill("mot de passe sûr")
    mod.get_by_role("button", name="Se connecter").click()
    mod.wait_for_url("**/moderation/")

    answers = {first.id: "Avec un **prêt d’honneur** : « Initiative » l’accorde,\u202fsans intérêts.",
               second.id: "La *pépinière* d’entreprises loue des bureaux — demandez à l’œuvre sociale."}
    for question_id, text in answers.items():
        mod.goto(f"{live_server}/moderation/seances/{demo.slug}/questions?statut=tous")
        mod.locator(f"#repondre-{question_id}").click()
        mod.get_by_label("Réponse écrite").fill(text)
        # The live preview (htmx), sanitised, before saving.
        expect(mod.locator("#apercu-answer .rich-text")).to_be_visible()
        mod.get_by_role("button", name="Publier la réponse").click()
        expect(mod.get_by_text("Réponse écrite publiée.")).to_be_visible()
        mod.goto(f"{live_server}/moderation/seances/{demo.slug}/questions?statut=tous")  # every status
        expect(mod.locator(f"#question-{question_id} .written-answer")).to_be_visible()
    expect(mod.locator(f"#question-{set_aside.id} .answer-link")).to_have_count(0)

    mod.get_by_role("link", name="Fiche brouillon").first.click()
    mod.get_by_label("Introduction").fill("Une séance pleine d’idées concrètes.")
    mod.get_by_label("Points clés (un par ligne)").fill("Se faire accompagner\nOser la reprise")
    mod.get_by_role("button", name="Enregistrer le texte").click()
    expect(mod.get_by_text("Texte de la fiche enregistré.")).to_be_visible()
    expect(mod.locator(".fiche-sheet")).to_contain_text("prêt d’honneur")

    href = mod.get_by_role("link", name="Télécharger le PDF").get_attribute("href")
    response = mod.request.get(live_server + href)  # the browser's own session
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "fiche.pdf"
    pdf.write_bytes(response.body())
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    for expected in ("prêt d’honneur", "« Initiative »", "l’œuvre sociale", "pépinière", "Oser la reprise"):
        assert expected in text, expected
    assert "Texte écarté" not in text

    mod.get_by_role("button", name="Joindre le PDF à la séance").click()
    expect(mod.get_by_text(re.compile("jointe à la séance"))).to_be_visible()
    laptop.close()

    # A visitor on a phone, without cookies.
    page.goto(f"{live_server}/seances/{demo.slug}")
    expect(page.locator(f"#q-{first.id} .written-answer")).to_contain_text("prêt d’honneur")
    expect(page.locator(f"#q-{second.id} .written-answer")).to_contain_text("pépinière")
    expect(page.locator(".record-counts")).to_contain_text("1 écartée")
    expect(page.locator("body")).not_to_contain_text("Texte écarté")
    fiche = page.locator(".fiche", has_text="Fiche de capitalisation —")
    expect(fiche).to_contain_text(re.compile(r"PDF · Poids\s: [\d,]+\sKo"))
    assert console_errors == []


@pytest.mark.parametrize("path", ["/moderation/seances/seance-developpement-economique-2019-05-16/fiche-brouillon",
                                  "/moderation/questions/1/reponse"])
def test_no_serious_accessibility_violation_on_record_pages(axe_check, live_server, demo, make_user, path):
    make_user(email="admin@example.org", role="admin", password="mot de passe sûr")
    assert axe_check(live_server + path, login=("admin@example.org", "mot de passe sûr")) == []
