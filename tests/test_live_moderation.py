"""The moderators' side of a live séance: queue, statuses, pin, corrections, opening, export."""

import csv
import io

import pytest
from sqlalchemy import select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import AuditEntry, Seance

from .helpers import HTMX, csrf_token, fresh, post, soup, text_of, words


@pytest.fixture
def mod(mod, demo):
    """The moderator, the demo séance open to questions."""
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    return mod


def test_queue_shows_pending_first_with_counts(mod, demo, make_question):
    waiting = make_question(demo, body="Une question en attente ?", status="pending")
    make_question(demo, body="Une écartée ?", status="rejected")
    page = soup(mod.get(f"/moderation/seances/{demo.slug}/questions"))
    assert page.select("ol.queue-list > li")[0]["id"] == f"question-{waiting.id}"
    counts = " ".join(page.select_one(".queue-counts").get_text().split())
    assert counts == "13 reçues · 1 en attente · 11 retenues · 0 répondue · 1 écartée"


@pytest.mark.parametrize("status", ["approved", "answered", "rejected", "pending"])
def test_status_changes_with_and_without_htmx(mod, demo, make_question, status):
    question = make_question(demo, status="pending" if status != "pending" else "approved")
    response = post(mod, f"/moderation/questions/{question.id}/statut", status=status)
    assert response.status_code == 303
    assert fresh(question.id).status == status
    response = post(mod, f"/moderation/questions/{question.id}/statut", htmx=True, status="approved")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "questions-changed"
    assert soup(response).find(id="queue") and fresh(question.id).status == "approved"


def test_status_changes_are_audited(mod, demo, make_question):
    question = make_question(demo, status="pending")
    post(mod, f"/moderation/questions/{question.id}/statut", status="approved")
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question_status"))
    assert entry.user.email == "mod@example.org" and f"#{question.id}" in entry.detail
    assert "a changé le statut d’une question" in text_of(mod.get(f"/moderation/seances/{demo.slug}/questions"))


@pytest.mark.parametrize("status", ["", "published", "APPROVED", "approved'--"])
def test_unknown_status_is_refused(mod, demo, make_question, status):
    question = make_question(demo, status="pending")
    response = post(mod, f"/moderation/questions/{question.id}/statut", status=status)
    assert response.status_code == 400 and "Statut inconnu" in text_of(response)
    assert fresh(question.id).status == "pending"


def test_actions_on_unknown_questions_are_404(mod):
    for url in ("/moderation/questions/99999/statut", "/moderation/questions/99999/epingler",
                "/moderation/questions/99999/modifier"):
        assert post(mod, url, status="approved", body="Un texte correct").status_code == 404


def test_one_pinned_question_per_seance(mod, demo, make_question):
    first = make_question(demo, status="approved")
    second = make_question(demo, status="pending")
    post(mod, f"/moderation/questions/{first.id}/epingler")
    assert fresh(first.id).pinned
    post(mod, f"/moderation/questions/{second.id}/epingler")
    assert fresh(second.id).pinned and fresh(second.id).status == "approved"
    assert not fresh(first.id).pinned
    post(mod, f"/moderation/questions/{second.id}/epingler")
    assert not fresh(second.id).pinned


def test_setting_aside_a_pinned_question_unpins_it(mod, demo, make_question):
    question = make_question(demo, pinned=True)
    post(mod, f"/moderation/questions/{question.id}/statut", status="rejected")
    assert not fresh(question.id).pinned


def test_correcting_a_question_keeps_the_original(mod, demo, make_question):
    question = make_question(demo, body="Coment recruté ?", status="pending")
    post(mod, f"/moderation/questions/{question.id}/modifier", body="Comment recruter ?")
    post(mod, f"/moderation/questions/{question.id}/modifier", body="Comment bien recruter ?")
    corrected = fresh(question.id)
    assert corrected.body == "Comment bien recruter ?" and corrected.original_body == "Coment recruté ?"
    page = text_of(mod.get(f"/moderation/seances/{demo.slug}/questions"))
    assert "Texte d’origine : Coment recruté ?" in page
    response = post(mod, f"/moderation/questions/{question.id}/modifier", body=" a ")
    assert response.status_code == 400 and "entre 3 et 500 caractères" in text_of(response)


def test_opening_and_closing_show_on_participant_page_and_screen(mod, client, demo):
    post(mod, f"/moderation/seances/{demo.slug}/ouverture", open="0")
    assert "Les questions sont fermées" in text_of(client.get(f"/seances/{demo.slug}/questions"))
    assert "Les questions sont fermées" in text_of(client.get(f"/seances/{demo.slug}/ecran"))
    response = post(mod, f"/moderation/seances/{demo.slug}/ouverture", htmx=True, open="1")
    button = soup(response).find("button")
    assert "Fermer les questions" in button.get_text()
    assert soup(client.get(f"/seances/{demo.slug}/questions")).find("textarea", attrs={"name": "body"})
    assert post(mod, f"/moderation/seances/{demo.slug}/ouverture", open="peut-être").status_code == 400


def test_an_unpublished_seance_cannot_be_opened(mod, make_seance):
    draft = make_seance(published=False)
    post(mod, f"/moderation/seances/{draft.slug}/ouverture", open="1")
    db.session.rollback()
    assert not db.session.get(Seance, draft.id).questions_open


def test_queue_fragment_follows_the_etag_rule(mod, client, demo):
    url = f"/moderation/seances/{demo.slug}/questions/live"
    first = mod.get(url)
    assert first.status_code == 200 and "<html" not in first.get_data(as_text=True)
    assert mod.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    token = csrf_token(client, f"/seances/{demo.slug}/questions")
    client.post(f"/seances/{demo.slug}/questions", data={"body": "Nouvelle question ?", "csrf_token": token})
    changed = mod.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Nouvelle question ?" in changed.get_data(as_text=True)


def test_export_csv(mod, demo, make_question):
    make_question(demo, body="=HYPERLINK(\"http://evil\")", author="+33 6 00", status="pending")
    make_question(demo, body="@SUM(A1)", author="-moi")
    response = mod.get(f"/moderation/seances/{demo.slug}/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["N°", "Date", "Heure", "Statut", "Épinglée", "Votes", "Auteur", "Source", "Question",
                       "Texte d’origine", "Fusionnée dans"]
    assert len(rows) == 1 + 13 and all(len(row) == 11 for row in rows)
    bodies = {row[8] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\")" in bodies and "'@SUM(A1)" in bodies
    assert "Comment aider une entreprise à recruter ?" in bodies
    authors = {row[6] for row in rows[1:]}
    assert "'+33 6 00" in authors and "'-moi" in authors


# What the attack sent: a formula after ";", a tab, a line break, a comma, spaces; a DDE call.
INJECTIONS = ['e;"=1+8', "x;=1+6", "Bonjour\t=1+3", "a\n=1+9", "a\r\n+1+2", "b, -1+5", "c ;  @SUM(1+1)",
              "\t=1+4", "=cmd|' /C calc'!A0", "d\n\n-2+3"]


def test_csv_cells_that_could_start_a_formula_are_neutralised(mod, demo, make_question):
    for body in INJECTIONS:
        make_question(demo, body=body, author="Bob;=1+7")
    make_question(demo, body="Une question ordinaire, sans danger ; merci - Anne", author="Anne")
    response = mod.get(f"/moderation/seances/{demo.slug}/export.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))
    bodies = {row[8] for row in rows[1:]}
    # Each place a cell could start keeps its text, behind an apostrophe.
    assert bodies >= {"x;'=1+6", "Bonjour\t'=1+3", "a\n'=1+9", "a\r\n'+1+2", "b, '-1+5",
                      "c ;  '@SUM(1+1)", "e;\"'=1+8", "'\t'=1+4", "'=cmd|' /C calc'!A0", "d\n\n'-2+3"}
    assert "Une question ordinaire, sans danger ; merci - Anne" in bodies
    assert {row[6] for row in rows[1:]} >= {"Bob;'=1+7", "Anne"}


@pytest.mark.parametrize("separators", ["59", "9", "44", "59/9/44"], ids=["semicolon", "tab", "comma",
                                                                         "all"])
def test_csv_export_opened_in_libreoffice_has_no_formula(mod, demo, make_question, tmp_path,
                                                         separators):
    """The export opened as a French user would (LibreOffice Calc, the separator they pick):
    no cell is a formula."""
    import shutil
    import subprocess

    from .tools import require

    soffice = shutil.which("soffice")
    require(bool(soffice), "LibreOffice (soffice)")
    for body in INJECTIONS:
        make_question(demo, body=body, author="Bob;=1+7")
    source = tmp_path / "questions.csv"
    source.write_bytes(mod.get(f"/moderation/seances/{demo.slug}/export.csv").data)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         f"--infilter=CSV:{separators},34,76,1", "--convert-to", "fods", "--outdir", str(tmp_path),
         str(source)], check=True, capture_output=True, timeout=120)
    sheet = (tmp_path / "questions.fods").read_text()
    assert "Bob;" in sheet and "Bonjour" in sheet  # the cells are there, as text
    assert "table:formula" not in sheet


def correction_form(client, slug, question_id) -> dict:
    """The "Corriger le texte" form of one question, as the queue page gives it."""
    page = soup(client.get(f"/moderation/seances/{slug}/questions"))
    form = page.find("form", attrs={"action": f"/moderation/questions/{question_id}/modifier"})
    data = {field["name"]: field.get("value", "") for field in form.find_all("input")}
    data["body"] = form.find("textarea").get_text()
    return data


@pytest.mark.parametrize("htmx", [False, True])
def test_a_stale_question_correction_is_refused_and_keeps_the_typing(app, mod, demo, make_question,
                                                                     make_user, htmx):
    question = make_question(demo, body="Coment recruté ?", status="pending")
    other = app.test_client()
    _user, password = make_user(email="bruno@example.org")
    other.post("/connexion", data={"email": "bruno@example.org", "password": password,
                                   "csrf_token": csrf_token(other, "/connexion")})
    mine = correction_form(mod, demo.slug, question.id)
    theirs = correction_form(other, demo.slug, question.id)
    assert other.post(f"/moderation/questions/{question.id}/modifier",
                      data={**theirs, "body": "Comment recruter ?"}).status_code == 303
    response = mod.post(f"/moderation/questions/{question.id}/modifier",
                        data={**mine, "body": "Comment peut-on recruter ?"},
                        headers=HTMX if htmx else {})
    assert response.status_code == 409
    page = soup(response)
    assert ("Quelqu’un a corrigé cette question pendant que vous la modifiiez" in words(page.get_text())
            and "« Comment recruter ? »" in words(page.get_text()))
    item = page.find(id=f"question-{question.id}")
    assert item.find("details").has_attr("open")
    assert item.find("textarea").get_text() == "Comment peut-on recruter ?"
    assert item.find("input", attrs={"name": "previous_body"})["value"] == "Comment recruter ?"
    assert fresh(question.id).body == "Comment recruter ?"
    # Saving again from the refused form applies it, knowingly.
    again = {field["name"]: field.get("value", "") for field in item.find_all("input")}
    again["body"] = item.find("textarea").get_text()
    assert mod.post(f"/moderation/questions/{question.id}/modifier", data=again).status_code == 303
    corrected = fresh(question.id)
    assert corrected.body == "Comment peut-on recruter ?" and corrected.original_body == "Coment recruté ?"


def test_an_invalid_correction_keeps_the_typing(mod, demo, make_question):
    question = make_question(demo, body="Coment recruté ?", status="pending")
    data = correction_form(mod, demo.slug, question.id)
    response = mod.post(f"/moderation/questions/{question.id}/modifier", data={**data, "body": "ab"},
                        headers=HTMX)
    assert response.status_code == 400 and "entre 3 et 500 caractères" in text_of(response)
    assert soup(response).find(id=f"texte-{question.id}").get_text() == "ab"
