"""A moderator runs a séance of 200 questions from a 1366×768 laptop: tabs with live counts,
batch approval, a paper question, a merge of two duplicates with the votes adding up, a second
moderator's change appearing live, a correction being typed that new questions never disturb."""

import re
import secrets

import pytest
from playwright.sync_api import expect

from masterclass.db import write_transaction
from masterclass.models import Participant, Question, Vote

from .room import LAPTOP, moderator

pytestmark = pytest.mark.e2e

TOPICS = ["le logement", "les transports", "la crèche", "le stade", "la médiathèque", "les impôts",
          "le marché", "la piscine", "les jardins", "la voirie", "le collège", "les bus de nuit",
          "la santé", "le centre social", "les commerces", "la propreté", "le parc", "la mairie annexe",
          "les associations", "le festival"]
ASKS = ["Que prévoit la ville pour {}", "Qui finance {}", "Quand commencent les travaux sur {}",
        "Comment les habitants participent-ils à {}", "Quel budget pour {}",
        "Pourquoi tant de retard sur {}", "Quelles aides existent pour {}", "Qui contacter pour {}",
        "Peut-on visiter {}", "Quel avenir pour {}"]


@pytest.fixture
def big_seance(live_server, make_seance):
    """A séance with 200 questions (150 waiting), and two duplicates with their voters."""
    from masterclass.models_base import local_now

    seance = make_seance(title="Séance Quartier", starts_at=local_now().replace(second=0, microsecond=0),
                         city="Denain", questions_open=True)
    bodies = [ask.format(topic) + f" ({n}) ?" for n, (ask, topic) in
              enumerate((a, t) for a in ASKS for t in TOPICS)][:198]
    with write_transaction() as session:
        for i, body in enumerate(bodies):
            session.add(Question(seance_id=seance.id, body=body, status="pending" if i < 149 else "approved"))
        kept = Question(seance_id=seance.id, body="Où garer son vélo en sécurité près de la gare ?",
                        status="approved", votes_count=3)
        dup = Question(seance_id=seance.id, body="Où garer un vélo en sécurité à la gare ?",
                       status="pending", votes_count=2)
        session.add_all([kept, dup])
        phones = [Participant(token=secrets.token_urlsafe(24), version=1) for _ in range(4)]
        session.add_all(phones)
        session.flush()
        session.add_all([Vote(question_id=kept.id, participant_id=p.id) for p in phones[:3]])
        session.add_all([Vote(question_id=dup.id, participant_id=p.id) for p in phones[2:]])
    return live_server, seance, kept.id, dup.id


def tab(mod, name):
    return mod.locator("nav.desk-tabs a", has_text=name).locator(".count-badge")


def fully_visible_rows(mod) -> int:
    return mod.evaluate("""() => Array.from(document.querySelectorAll('li.queue-item')).filter(li => {
        const r = li.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }).length""")


def test_a_moderator_runs_a_200_question_seance(browser, big_seance, make_user, make_question):
    base, seance, kept_id, dup_id = big_seance
    mod = moderator(browser, base, make_user)
    errors = []
    mod.on("pageerror", lambda exc: errors.append(str(exc)))
    mod.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    assert mod.viewport_size == LAPTOP
    queue_url = f"{base}/moderation/seances/{seance.slug}/questions"
    mod.goto(queue_url)

    # Tabs with counts; at least eight pending questions on the screen at once.
    expect(tab(mod, "À traiter")).to_have_text("150")
    expect(tab(mod, "Retenues")).to_have_text("50")
    expect(tab(mod, "Toutes")).to_have_text("200")
    assert fully_visible_rows(mod) >= 8
    # Live updates leave unchanged rows alone (the very same elements).
    mod.evaluate("document.querySelectorAll('li.queue-item')[7].dataset.mark = 'untouched'")

    # Batch approval: three ticked, one click.
    rows = mod.locator("li.queue-item")
    first_three = [rows.nth(i).get_attribute("data-question") for i in range(3)]
    for i in range(3):
        rows.nth(i).locator(".queue-check").check()
    expect(mod.locator("#lot-nombre")).to_have_text("3")
    mod.locator("#lot").get_by_role("button", name="Retenir").click()
    expect(mod.locator("#file-message")).to_have_text("3 questions modifiées.")
    expect(tab(mod, "À traiter")).to_have_text("147")
    expect(tab(mod, "Retenues")).to_have_text("53")
    expect(mod.locator("li.queue-item[data-mark='untouched']")).to_have_count(1)
    for question_id in first_three:
        expect(mod.locator(f"#question-{question_id}")).to_have_count(0)

    # A question asked on paper.
    mod.get_by_text("Ajouter une question de la salle").click()
    mod.get_by_label("Question posée (sur papier ou au micro)").fill("Une question écrite sur papier ?")
    mod.get_by_label("Nom (facultatif)").fill("Mme Leroy")
    mod.get_by_label("papier", exact=True).check()
    mod.get_by_role("button", name="Ajouter (retenue d’office)").click()
    expect(tab(mod, "Retenues")).to_have_text("54")
    expect(mod.get_by_label("Question posée (sur papier ou au micro)")).to_have_value("")

    # The duplicate is suggested on its row; merged in one click, the votes add up (3 + 2 - 1 shared).
    dup_row = mod.locator(f"#question-{dup_id}")
    dup_row.scroll_into_view_if_needed()
    dup_row.get_by_role("button", name=re.compile(f"Fusionner dans la n° {kept_id}")).click()
    expect(mod.locator("#file-message")).to_contain_text(f"fusionnée dans la n° {kept_id}")
    expect(mod.locator(f"#question-{dup_id}")).to_have_count(0)
    expect(tab(mod, "À traiter")).to_have_text("146")

    mod.locator("nav.desk-tabs a", has_text="Retenues").click()
    kept_row = mod.locator(f"#question-{kept_id}")
    expect(kept_row).to_contain_text("4 votes")
    expect(kept_row).to_contain_text(f"Fusionnée ici : n° {dup_id}")
    expect(mod.locator("li.queue-item", has_text="Une question écrite sur papier ?")).to_contain_text(
        "question sur papier")

    # Back to the pending tab: a correction is being typed when another moderator acts and a
    # phone's question arrives; the typing, the focus and the scroll stay.
    mod.locator("nav.desk-tabs a", has_text="À traiter").click()
    expect(tab(mod, "À traiter")).to_have_text("146")
    target_id = mod.locator("li.queue-item").nth(5).get_attribute("data-question")
    target = mod.locator(f"#question-{target_id}")
    target.get_by_text("Corriger le texte").click()
    field = target.get_by_label("Texte de la question")
    field.fill("Une correction en cours de frappe")
    scroll = mod.evaluate("window.scrollY")

    other = moderator(browser, base, make_user, email="bruno@example.org")
    other.goto(queue_url)
    approved_by_other = other.locator("li.queue-item").first
    other_id = approved_by_other.get_attribute("data-question")
    approved_by_other.get_by_role("button", name=re.compile("Retenir")).click()
    expect(other.locator(f"#question-{other_id}")).to_have_count(0)
    make_question(seance, body="Une question qui arrive pendant la correction ?", status="pending")

    # The first moderator sees both without reloading...
    expect(mod.locator(f"#question-{other_id}")).to_have_count(0, timeout=10_000)
    expect(tab(mod, "À traiter")).to_have_text("146", timeout=10_000)  # one approved, one arrived
    expect(mod.locator("li.queue-item", has_text="pendant la correction")).to_have_count(1, timeout=10_000)
    # ...and nothing of their own work moved.
    expect(field).to_have_value("Une correction en cours de frappe")
    expect(field).to_be_focused()
    assert abs(mod.evaluate("window.scrollY") - scroll) < 2
    mod.keyboard.type(" qui continue")
    target.get_by_role("button", name="Enregistrer la correction").click()
    expect(mod.locator(f"#question-{target_id}")).to_contain_text("Une correction en cours de frappe qui continue")

    # Keyboard: j moves to a question, a approves it.
    mod.locator("li.queue-item").first.focus()
    first_id = mod.locator("li.queue-item").first.get_attribute("data-question")
    mod.keyboard.press("a")
    expect(mod.locator(f"#question-{first_id}")).to_have_count(0)
    expect(tab(mod, "À traiter")).to_have_text("145")
    assert errors == []
    other.context.close()
    mod.context.close()
