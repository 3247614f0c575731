"""Issue 17, the public record: written answers, honest counts, the fiche drafted from the
séance (page, PDF, attached as a fiche), Markdown summaries with their preview."""

import shutil
import subprocess

import pytest
from sqlalchemy import select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import AuditEntry, Fiche, Question, Seance

from .helpers import HTMX, csrf_token, post, soup, text_of

FRENCH = "Réponse écrite : « œuvre » et cœur,\u202fà l’évidence — ça marche !"


def fresh(model, ident):
    db.session.rollback()
    return db.session.get(model, ident)


def visitor(app):
    """A new browser without cookies: the page cache serves it."""
    return app.test_client()


def pdftotext(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed")
    path = tmp_path / "fiche.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


# --- written answers ------------------------------------------------------------------------------

def test_answer_added_edited_removed_audited_and_shown_to_a_cookieless_visitor(app, mod, demo,
                                                                                  make_question):
    question = make_question(demo, body="Comment trouver un apprentissage ?", status="approved")
    page = f"/seances/{demo.slug}"
    before = visitor(app).get(page)
    assert "Encore sans réponse" in text_of(before)
    response = post(mod, f"/moderation/questions/{question.id}/reponse",
                    answer="Voyez **la mission locale** de votre quartier.")
    assert response.status_code == 303 and f"#question-{question.id}" in response.headers["Location"]
    assert fresh(Question, question.id).answer_html == "<p>Voyez <strong>la mission locale</strong> de votre quartier.</p>"
    shown = soup(visitor(app).get(page))
    item = shown.find(id=f"q-{question.id}")
    assert "la mission locale" in item.select_one(".written-answer").get_text()
    assert item.select_one(".written-answer strong")

    post(mod, f"/moderation/questions/{question.id}/reponse", answer="Autre réponse, corrigée.")
    assert "Autre réponse, corrigée." in text_of(visitor(app).get(page))
    response = post(mod, f"/moderation/questions/{question.id}/reponse/supprimer")
    assert response.status_code == 303 and fresh(Question, question.id).answer_html is None
    assert "Autre réponse" not in text_of(visitor(app).get(page))
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.seance_id == demo.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["answer_add", "answer_edit", "answer_remove"]
    assert "a répondu par écrit à une question" in text_of(mod.get(f"/moderation/seances/{demo.slug}/questions"))


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_answer_refused_for_unpublished_questions_with_the_text_kept(mod, demo, make_question, status):
    question = make_question(demo, status=status)
    response = post(mod, f"/moderation/questions/{question.id}/reponse", answer="Ma réponse gardée")
    assert response.status_code == 409
    assert "Ma réponse gardée" in soup(response).find("textarea", attrs={"name": "answer"}).get_text()
    assert "répondre par écrit" in text_of(response)
    assert fresh(Question, question.id).answer_html is None


def test_answer_to_a_deleted_question_is_a_french_404(mod, demo, make_question):
    question = make_question(demo)
    with write_transaction() as session:
        session.delete(session.get(Question, question.id))
    response = post(mod, f"/moderation/questions/{question.id}/reponse", answer="Bonjour")
    assert response.status_code == 404 and "n’existe pas" in text_of(response)


def test_answer_too_long_or_empty_once_cleaned_refused_with_text_kept(mod, demo, make_question):
    question = make_question(demo)
    huge = "é" * 100_000
    response = post(mod, f"/moderation/questions/{question.id}/reponse", answer=huge)
    assert response.status_code == 400 and "20000 caractères" in text_of(response).replace("\u202f", "")
    assert soup(response).find("textarea", attrs={"name": "answer"}).get_text().strip() == huge
    response = post(mod, f"/moderation/questions/{question.id}/reponse", answer="<script>alert(1)</script>")
    assert response.status_code == 400 and "nettoyée" in text_of(response)
    assert fresh(Question, question.id).answer_html is None


def test_scripts_never_reach_page_room_search_or_pdf(app, mod, demo, make_question, tmp_path):
    question = make_question(demo, body="Question sur les horaires ?")
    nasty = ('Horaires <script>alert("x")</script> <img src=x onerror=alert(1)> '
             '[lien](javascript:alert(1)) <a href="https://ex.org" onclick="x()">site</a> zanzibar')
    assert post(mod, f"/moderation/questions/{question.id}/reponse", answer=nasty).status_code == 303
    stored = fresh(Question, question.id).answer_html
    for bad in ("<script", "onerror", 'href="javascript:', "onclick", "<img"):
        assert bad not in stored
    for url in (f"/seances/{demo.slug}", "/recherche?q=zanzibar",
                f"/seances/{demo.slug}/questions/live"):
        body = visitor(app).get(url).get_data(as_text=True)
        assert "zanzibar" in body, url
        assert "<script>alert" not in body and "onerror=" not in body and 'href="javascript' not in body, url
    text = pdftotext(mod.get(f"/moderation/seances/{demo.slug}/fiche-brouillon.pdf").data, tmp_path)
    assert "zanzibar" in text and "<script" not in text


def test_search_finds_words_of_the_answer_and_the_question_is_the_hit(app, mod, demo, make_question):
    question = make_question(demo, body="Où se former au numérique ?")
    post(mod, f"/moderation/questions/{question.id}/reponse", answer="Le *Pôle numérique* de Trith-Saint-Léger.")
    page = soup(visitor(app).get("/recherche?q=trith"))
    hits = page.select("#res-questions ~ ul.results li, section[aria-labelledby=res-questions] li")
    assert hits and "Où se former au numérique ?" in hits[0].get_text()
    assert f"#q-{question.id}" in hits[0].find("a")["href"]
    with app.app_context():
        from masterclass.search.index import rebuild
        with write_transaction() as session:
            rebuild(session)
    assert "Où se former au numérique" in text_of(visitor(app).get("/recherche?q=trith"))


def test_feed_and_room_change_when_an_answer_is_added(app, mod, demo, make_question):
    question = make_question(demo)
    version = fresh(Seance, demo.id).version
    updated = fresh(Seance, demo.id).updated_at
    phone = visitor(app)
    live = phone.get(f"/seances/{demo.slug}/questions/live", headers=HTMX)
    etag = live.headers["ETag"]
    assert phone.get(f"/seances/{demo.slug}/questions/live",
                     headers={**HTMX, "If-None-Match": etag}).status_code == 304
    post(mod, f"/moderation/questions/{question.id}/reponse", answer="Réponse pour la salle.")
    seance = fresh(Seance, demo.id)
    assert seance.version > version and seance.updated_at > updated
    again = phone.get(f"/seances/{demo.slug}/questions/live", headers={**HTMX, "If-None-Match": etag})
    assert again.status_code == 200
    assert "Réponse pour la salle." in soup(again).find(id=f"q-{question.id}").get_text()
    feed = visitor(app).get("/flux.atom").get_data(as_text=True)
    assert seance.updated_at.isoformat(timespec="seconds") in feed



def test_the_asker_sees_the_written_answer_under_their_own_question(app, mod, demo):
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    asker = visitor(app)
    page = f"/seances/{demo.slug}/questions"
    asker.post(page, data={"body": "Ma question pour l’intervenante ?", "csrf_token": csrf_token(asker, page)})
    db.session.rollback()
    question = db.session.scalar(select(Question).where(Question.body == "Ma question pour l’intervenante ?"))
    assert question is not None
    post(mod, f"/moderation/questions/{question.id}/statut", status="approved")
    post(mod, f"/moderation/questions/{question.id}/reponse", answer="Voici la réponse écrite.")
    mine = soup(asker.get(page + "?tri=miennes")).find(id="mes-questions")
    assert "Voici la réponse écrite." in mine.get_text()

# --- counts and downloads -------------------------------------------------------------------------

def test_honest_counts_on_the_public_page(app, demo, make_seance, make_question):
    seance = make_seance(title="Séance comptée")
    for status in ("pending", "approved", "approved", "answered", "rejected", "rejected"):
        make_question(seance, body=f"Secret {status} ?" if status == "rejected" else "Une question ?",
                      status=status)
    with write_transaction() as session:
        q = session.scalar(select(Question).where(Question.seance_id == seance.id,
                                                  Question.status == "approved"))
        q.answer_html = "<p>Écrit.</p>"
    page = soup(visitor(app).get(f"/seances/{seance.slug}"))
    counts = " ".join(page.select_one(".record-counts").get_text().split())
    assert counts == ("6 questions reçues 3 publiées 2 répondues (en séance ou par écrit), dont 1 par écrit "
                      "2 écartées 1 encore en attente de relecture")
    assert "Secret" not in page.get_text()


def test_download_count_shown_on_the_cached_page(app, demo, make_seance, make_fiche):
    """Exactness under concurrency: tests/test_concurrency.py (60 downloads through gunicorn)."""
    seance = make_seance(title="Séance téléchargée")
    fiche = make_fiche(seance)
    page = f"/seances/{seance.slug}"
    assert "jamais téléchargée" in text_of(visitor(app).get(page))
    updated = fresh(Seance, seance.id).updated_at
    for _ in range(3):
        assert visitor(app).get(f"/fiches/{fiche.id}/telecharger").status_code == 200
    assert fresh(Fiche, fiche.id).download_count == 3
    assert fresh(Seance, seance.id).updated_at == updated  # the feed says nothing changed
    # Newcomers (no cookie: front's copies) and the page cache both show the current count.
    assert "téléchargée 3 fois" in text_of(visitor(app).get(page))


# --- the fiche draft ------------------------------------------------------------------------------

def test_the_done_when_journey(app, mod, demo, make_question, tmp_path):
    """Two written answers after the séance, the draft, its PDF checked with pdftotext, attached
    in one click, and a visitor sees the answers, the counts and the fiche with its size."""
    with write_transaction() as session:
        s = session.get(Seance, demo.id)
        s.questions_open = False
    first = make_question(demo, body="Comment créer son entreprise ?", status="answered")
    second = make_question(demo, body="Quelles aides pour les cœurs de quartier ?", status="approved")
    post(mod, f"/moderation/questions/{first.id}/reponse", answer="Par la **couveuse** d’entreprises.")
    post(mod, f"/moderation/questions/{second.id}/reponse", answer=FRENCH)
    response = post(mod, f"/moderation/seances/{demo.slug}/fiche-brouillon",
                    intro="Une séance riche en échanges.", key_points="- Se faire accompagner\n- Oser")
    assert response.status_code == 303
    draft = mod.get(f"/moderation/seances/{demo.slug}/fiche-brouillon")
    assert draft.status_code == 200 and 'media="print"' in draft.get_data(as_text=True)
    assert "Se faire accompagner" in text_of(draft) and "couveuse" in text_of(draft)
    pdf = mod.get(f"/moderation/seances/{demo.slug}/fiche-brouillon.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    text = pdftotext(pdf.data, tmp_path)
    # The narrow no-break space is in the PDF's text (its ToUnicode map; pdftotext prints it
    # as a plain space) and drawn with its own narrow glyph.
    assert b"<202F>" in pdf.data
    for expected in ("Comment créer son entreprise ?", "couveuse", "« œuvre »", "cœur, à",
                     "l’évidence", "Se faire accompagner", "Une séance riche en échanges.",
                     demo.title, "Anzin"):
        assert expected in text, expected
    response = post(mod, f"/moderation/seances/{demo.slug}/fiche-brouillon/joindre")
    assert response.status_code == 303
    assert "jointe à la séance" in text_of(mod.get(response.headers["Location"]))
    db.session.rollback()
    fiche = db.session.scalar(select(Fiche).where(Fiche.seance_id == demo.id, Fiche.drafted.is_(True)))
    assert fiche.mime_type == "application/pdf"
    public = visitor(app).get(f"/seances/{demo.slug}")
    words = text_of(public)
    assert "couveuse" in words and "« œuvre »" in words and "Encore sans réponse" in words
    assert "questions reçues" in words
    card = soup(public).find(id=f"fiche-{fiche.id}")
    assert card and "Poids :" in " ".join(card.get_text().split()) and "PDF" in " ".join(card.get_text().split())
    download = visitor(app).get(f"/fiches/{fiche.id}/telecharger")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert "téléchargée 1 fois" in soup(visitor(app).get(f"/seances/{demo.slug}")).find(id=f"fiche-{fiche.id}").get_text()
    found = text_of(visitor(app).get("/recherche?q=capitalisation"))
    assert fiche.title in found

    # Attaching again replaces the draft fiche's file: still one drafted fiche, count kept.
    post(mod, f"/moderation/questions/{first.id}/reponse", answer="Une réponse complétée.")
    assert post(mod, f"/moderation/seances/{demo.slug}/fiche-brouillon/joindre").status_code == 303
    db.session.rollback()
    drafted = db.session.scalars(select(Fiche).where(Fiche.seance_id == demo.id, Fiche.drafted.is_(True))).all()
    db.session.rollback()
    assert len(drafted) == 1 and fresh(Fiche, fiche.id).download_count == 1
    assert "complétée" in pdftotext(visitor(app).get(f"/fiches/{fiche.id}/telecharger").data, tmp_path)


@pytest.mark.parametrize("n", [0, 500])
def test_pdf_of_a_seance_with_no_or_500_questions(app, mod, make_seance, make_question, n, tmp_path):
    seance = make_seance(title="Séance nombreuse")
    with write_transaction() as session:
        for i in range(n):
            session.add(Question(seance_id=seance.id, body=f"Question numéro {i} sur l’emploi ?",
                                 status="answered" if i % 2 else "approved",
                                 answer_html=f"<p>Réponse « détaillée » n° {i}.</p>" if i % 3 == 0 else None))
    response = mod.get(f"/moderation/seances/{seance.slug}/fiche-brouillon.pdf")
    assert response.status_code == 200
    text = pdftotext(response.data, tmp_path)
    if n:
        assert "Question numéro 499" in text and "Réponse « détaillée » n° 498" in text
    else:
        assert "Aucune question n'a été publiée" in text.replace("’", "'")
    assert mod.get(f"/moderation/seances/{seance.slug}/fiche-brouillon").status_code == 200


def test_draft_text_too_long_refused_with_text_kept(mod, demo):
    response = post(mod, f"/moderation/seances/{demo.slug}/fiche-brouillon", intro="x" * 10_001, key_points="ok")
    assert response.status_code == 400 and "x" * 10_001 in response.get_data(as_text=True)


def test_record_pages_need_a_moderator(client, demo, make_question):
    question = make_question(demo)
    for url in (f"/moderation/seances/{demo.slug}/fiche-brouillon",
                f"/moderation/seances/{demo.slug}/fiche-brouillon.pdf",
                f"/moderation/questions/{question.id}/reponse"):
        assert client.get(url).status_code in (302, 401, 403)


# --- Markdown summaries ---------------------------------------------------------------------------

def _seance_form(demo, **changes):
    data = {"title": demo.title, "date": demo.starts_at.date().isoformat(), "time": "18:00",
            "city": demo.city, "venue": demo.venue, "theme": "", "speaker": demo.speaker_name,
            "speaker_role": demo.speaker_role, "concept": demo.concept, "published": "y",
            "edit_version": str(demo.edit_version), "seance_id": str(demo.id)}
    data.update(changes)
    return data


def test_existing_html_summary_displays_as_before_and_markdown_is_rendered(app, mod, demo):
    seance = fresh(Seance, demo.id)
    assert seance.summary_format == "html"  # rows from before the migration are HTML
    before = soup(visitor(app).get(f"/seances/{demo.slug}")).select_one(".rich-text").decode_contents()
    form = soup(mod.get(f"/moderation/seances/{demo.slug}/modifier"))
    assert form.find("select", attrs={"name": "summary_format"}).find("option", selected=True)["value"] == "html"
    # Saving the form unchanged keeps the summary exactly as it was.
    response = post(mod, f"/moderation/seances/{demo.slug}/modifier",
                    **_seance_form(seance, summary=seance.summary_html, summary_format="html"))
    assert response.status_code == 303
    after = soup(visitor(app).get(f"/seances/{demo.slug}")).select_one(".rich-text").decode_contents()
    assert after == before
    seance = fresh(Seance, demo.id)
    response = post(mod, f"/moderation/seances/{demo.slug}/modifier", **_seance_form(
        seance, summary="# Bilan\n\nUn **bon** moment.\n\n- un\n- deux\n\n<script>x()</script>",
        summary_format="markdown"))
    assert response.status_code == 303
    seance = fresh(Seance, demo.id)
    assert seance.summary_format == "markdown" and seance.summary_source.startswith("# Bilan")
    assert seance.summary_html.startswith("<h2>Bilan</h2>") and "<li>deux</li>" in seance.summary_html
    assert "<script" not in seance.summary_html
    # The edit form gives the Markdown back, not the HTML.
    form = soup(mod.get(f"/moderation/seances/{demo.slug}/modifier"))
    assert form.find("textarea", attrs={"name": "summary"}).get_text().strip().startswith("# Bilan")


def test_markdown_preview_with_htmx_and_without_javascript(mod, demo):
    response = post(mod, "/moderation/apercu-markdown?champ=summary", htmx=True,
                    summary="Du **gras** <img src=x onerror=y()>")
    assert response.status_code == 200
    assert "<strong>gras</strong>" in response.get_data(as_text=True)
    assert "onerror" not in response.get_data(as_text=True)
    # CSRF is checked.
    assert mod.post("/moderation/apercu-markdown", data={"summary": "x"}).status_code == 400
    # Without JavaScript: the "Prévisualiser" button posts the form; nothing is saved.
    seance = fresh(Seance, demo.id)
    response = post(mod, f"/moderation/seances/{demo.slug}/modifier", apercu="1",
                    **_seance_form(seance, summary="*Aperçu* seulement", summary_format="markdown"))
    assert response.status_code == 200
    assert soup(response).select_one("#apercu-summary em").get_text() == "Aperçu"
    assert fresh(Seance, demo.id).summary_format == "html"


def test_new_seance_summary_is_markdown_by_default(mod, demo):
    response = post(mod, "/moderation/seances/nouvelle", title="Séance Markdown", date="2026-06-01",
                    city="Douai", summary="Un *compte rendu*.")
    assert response.status_code == 303
    seance = db.session.scalar(select(Seance).where(Seance.title == "Séance Markdown"))
    assert seance.summary_format == "markdown" and seance.summary_html == "<p>Un <em>compte rendu</em>.</p>"
