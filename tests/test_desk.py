"""The moderator's desk: tabs, search, batch actions, questions from the floor, merged
duplicates with their votes, pre-moderation per séance, the French export (CSV, xlsx)."""

import csv
import io

import pytest
from sqlalchemy import func, select, text

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import AuditEntry, Question, Seance, Vote

from .helpers import HTMX, csrf_token, fresh, post, soup, text_of, words


@pytest.fixture
def mod(mod, demo):
    """The moderator, the demo séance open to questions."""
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    return mod


def queue_url(seance, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/moderation/seances/{seance.slug}/questions" + (f"?{query}" if query else "")


def row_ids(response) -> list[int]:
    return [int(li["data-question"]) for li in soup(response).select("ol.queue-list > li")]


def phone_votes(app, question, n, start=0) -> list[int]:
    """n phones vote for the question through the real route; returns their participant ids."""
    ids = []
    for i in range(n):
        phone = app.test_client()
        token = csrf_token(phone, f"/seances/{question.seance.slug}/questions")
        phone.post(f"/questions/{question.id}/vote", data={"csrf_token": token})
        db.session.rollback()
        ids.append(db.session.scalar(select(func.max(Vote.participant_id))))
    return ids


def vote_as(app, question_id, participant_ids):
    """Existing phones vote (rows as the vote route writes them; count in SQL)."""
    with write_transaction() as session:
        for pid in participant_ids:
            session.add(Vote(question_id=question_id, participant_id=pid))
        session.flush()
        session.get(Question, question_id).votes_count = session.scalar(
            select(func.count()).where(Vote.question_id == question_id))


# --- tabs, counts, search -------------------------------------------------------------------------

def test_tabs_list_each_status_with_live_counts(mod, demo, make_question):
    waiting = make_question(demo, body="Une question en attente ?", status="pending")
    aside = make_question(demo, body="Une écartée ?", status="rejected")
    done = make_question(demo, body="Une répondue ?", status="answered")
    page = mod.get(queue_url(demo))
    tabs = {a["id"]: " ".join(a.get_text().split()) for a in soup(page).select("nav.desk-tabs a")}
    assert tabs == {"onglet-a-traiter": "À traiter 1", "onglet-retenues": "Retenues 11",
                    "onglet-repondues": "Répondues 1", "onglet-ecartees": "Écartées 1",
                    "onglet-tous": "Toutes 14"}
    assert row_ids(page) == [waiting.id]
    assert soup(page).select_one("#onglet-a-traiter")["aria-current"] == "page"
    assert row_ids(mod.get(queue_url(demo, statut="ecartees"))) == [aside.id]
    assert row_ids(mod.get(queue_url(demo, statut="repondues"))) == [done.id]
    assert len(row_ids(mod.get(queue_url(demo, statut="retenues")))) == 11
    everything = mod.get(queue_url(demo, statut="tous"))
    assert len(row_ids(everything)) == 14
    # "tous": every question with its status form.
    assert all(li.find("form", attrs={"action": f"/moderation/questions/{li['data-question']}/statut"})
               for li in soup(everything).select("ol.queue-list > li"))
    # An unknown tab is the default one, not an error.
    assert row_ids(mod.get(queue_url(demo, statut="nimporte"))) == [waiting.id]


def test_the_live_fragment_follows_the_tab_and_its_etag_changes_with_it(mod, demo, make_question):
    make_question(demo, body="Une en attente ?", status="pending")
    url = f"/moderation/seances/{demo.slug}/questions/live"
    pending = mod.get(url + "?statut=a-traiter")
    approved = mod.get(url + "?statut=retenues")
    assert pending.headers["ETag"] != approved.headers["ETag"]
    assert len(row_ids(pending)) == 1 and len(row_ids(approved)) == 11
    assert mod.get(url + "?statut=retenues",
                   headers={"If-None-Match": approved.headers["ETag"]}).status_code == 304


def test_search_in_the_queue_ignores_accents_and_case(mod, demo, make_question):
    hit = make_question(demo, body="Quel rôle pour les ÉLÈVES en entreprise ?", status="pending")
    make_question(demo, body="Et les horaires ?", status="pending")
    page = mod.get(queue_url(demo, statut="tous", q="eleves role"))
    assert row_ids(page) == [hit.id]
    assert "1 résultat pour « eleves role »" in text_of(page)
    assert row_ids(mod.get(queue_url(demo, q="ELEVES"))) == [hit.id]
    assert row_ids(mod.get(queue_url(demo, q=f"%23{hit.id}"))) == [hit.id]
    assert "Aucune question de cet onglet ne contient ces mots." in text_of(mod.get(queue_url(demo, q="zzz")))


# --- batch ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True])
def test_batch_approves_all_at_once(mod, demo, make_question, htmx):
    ids = [make_question(demo, body=f"Question {i} ?", status="pending").id for i in range(5)]
    response = mod.post(f"/moderation/seances/{demo.slug}/questions/lot",
                        data={"ids": [str(i) for i in ids[:4]], "status": "approved",
                              "csrf_token": csrf_token(mod)}, headers=HTMX if htmx else {})
    assert response.status_code == (200 if htmx else 303)
    assert [fresh(i).status for i in ids] == ["approved"] * 4 + ["pending"]
    page = response if htmx else mod.get(response.headers["Location"])
    assert "4 questions modifiées." in text_of(page)
    assert row_ids(page) == [ids[4]]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "question_status")) == 4


@pytest.mark.parametrize("ids, message", [
    (["UNKNOWN"], "n’existent pas"),
    (["abc"], "n’existent pas"),
    ([], "Cochez au moins une question."),
    (["OTHER"], "n’existent pas"),
])
def test_a_batch_with_an_unknown_id_changes_nothing(mod, demo, make_question, make_seance, ids, message):
    mine = [make_question(demo, body=f"Question {i} ?", status="pending").id for i in range(3)]
    other = make_question(make_seance(title="Autre séance"), body="Ailleurs ?", status="pending").id
    ids = [{"UNKNOWN": "999999", "OTHER": str(other)}.get(i, i) for i in ids]
    response = mod.post(f"/moderation/seances/{demo.slug}/questions/lot",
                        data={"ids": [str(i) for i in mine] + ids if ids else [], "status": "approved",
                              "csrf_token": csrf_token(mod)})
    assert response.status_code == 400
    assert message in text_of(response)
    assert {fresh(i).status for i in mine} == {"pending"} and fresh(other).status == "pending"


def test_a_batch_of_ten_thousand_ids_is_refused_in_french(mod, demo, make_question):
    question = make_question(demo, status="pending")
    response = mod.post(f"/moderation/seances/{demo.slug}/questions/lot",
                        data={"ids": [str(question.id)] * 10_000, "status": "approved",
                              "csrf_token": csrf_token(mod)}, headers=HTMX)
    assert response.status_code == 413
    assert "Trop de questions à la fois (1000 au plus)" in text_of(response)
    assert fresh(question.id).status == "pending"


def test_a_batch_with_an_unknown_status_is_refused(mod, demo, make_question):
    question = make_question(demo, status="pending")
    response = post(mod, f"/moderation/seances/{demo.slug}/questions/lot", ids=str(question.id), status="x")
    assert response.status_code == 400 and "Statut inconnu" in text_of(response)


# --- questions from the floor -------------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True])
def test_a_question_from_the_floor_is_approved_with_its_source(app, mod, demo, htmx):
    response = post(mod, f"/moderation/seances/{demo.slug}/questions/ajouter", htmx=htmx,
                    body="Question posée au micro ?", author="Un élu", source="micro")
    assert response.status_code == (200 if htmx else 303)
    db.session.rollback()
    question = db.session.scalar(select(Question).where(Question.body == "Question posée au micro ?"))
    assert (question.status, question.source, question.author, question.participant_id) == (
        "approved", "micro", "Un élu", None)
    queue = text_of(mod.get(queue_url(demo, statut="retenues")))
    assert "question au micro" in queue
    # The room sees it with its label: phones, screen, public page.
    phone = app.test_client()
    assert "question au micro" in text_of(phone.get(f"/seances/{demo.slug}/questions/live"))
    assert "question au micro" in text_of(phone.get(f"/seances/{demo.slug}/ecran"))
    assert "question au micro" in text_of(phone.get(f"/seances/{demo.slug}"))


@pytest.mark.parametrize("data, message", [
    ({"body": "Une question ?", "source": "pigeon"}, "Source inconnue"),
    ({"body": "", "source": "papier"}, "Écrivez la question."),
    ({"body": "x" * 501, "source": "papier"}, "entre 3 et 500 caractères"),
])
def test_a_bad_question_from_the_floor_is_refused_and_kept(mod, demo, data, message):
    before = db.session.scalar(select(func.count(Question.id)))
    response = post(mod, f"/moderation/seances/{demo.slug}/questions/ajouter", author="Léa", **data)
    assert response.status_code == 400 and message in text_of(response)
    page = soup(response)
    assert page.find(id="salle-texte").get_text() == data["body"]
    assert page.find(id="salle-auteur")["value"] == "Léa"
    assert page.select_one("details.desk-floor").has_attr("open")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Question.id))) == before


# --- merged duplicates --------------------------------------------------------------------------

def test_merge_counts_distinct_voters_and_undo_restores_both(app, mod, demo, make_question):
    kept = make_question(demo, body="Comment recruter des apprentis ?")
    dup = make_question(demo, body="Comment recruter un apprenti ?")
    voters = phone_votes(app, kept, 3)
    vote_as(app, dup.id, voters[:2])  # two phones voted for both
    extra = phone_votes(app, dup, 2)  # two only for the duplicate
    assert (fresh(kept.id).votes_count, fresh(dup.id).votes_count) == (3, 4)
    response = post(mod, f"/moderation/questions/{dup.id}/fusionner", into=str(kept.id))
    assert response.status_code == 303
    assert fresh(kept.id).votes_count == 5  # distinct voters of either
    merged = fresh(dup.id)
    assert merged.merged_into_id == kept.id and merged.votes_count == 4
    # The duplicate left the room's list, the screen and the public page; the kept one stays.
    phone = app.test_client()
    for url in (f"/seances/{demo.slug}/questions/live", f"/seances/{demo.slug}/ecran", f"/seances/{demo.slug}"):
        page = text_of(phone.get(url))
        assert "Comment recruter un apprenti ?" not in page and "Comment recruter des apprentis ?" in page
    assert "Comment recruter un apprenti" not in text_of(phone.get("/recherche?q=apprenti"))
    # The moderator sees it under the kept one.
    page = soup(mod.get(queue_url(demo, statut="retenues")))
    assert dup.id not in [int(li["data-question"]) for li in page.select("ol.queue-list > li")]
    assert f"Fusionnée ici : n° {dup.id}" in words(page.find(id=f"question-{kept.id}").get_text())
    # Undo: both as they were.
    assert post(mod, f"/moderation/questions/{dup.id}/defusionner").status_code == 303
    assert (fresh(kept.id).votes_count, fresh(dup.id).votes_count) == (3, 4)
    assert fresh(dup.id).merged_into_id is None
    assert "Comment recruter un apprenti ?" in text_of(phone.get(f"/seances/{demo.slug}/questions/live"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Vote.question_id == kept.id)) == 3
    assert set(extra) <= set(db.session.scalars(select(Vote.participant_id).where(Vote.question_id == dup.id)))


def test_a_voter_who_takes_back_a_moved_vote_stays_out_after_undo(app, mod, demo, make_question):
    kept = make_question(demo, body="Question gardée ?")
    dup = make_question(demo, body="Question doublon ?")
    phone = app.test_client()
    token = csrf_token(phone, f"/seances/{demo.slug}/questions")
    phone.post(f"/questions/{dup.id}/vote", data={"csrf_token": token})
    post(mod, f"/moderation/questions/{dup.id}/fusionner", into=str(kept.id))
    assert fresh(kept.id).votes_count == 1
    # The phone sees its vote pressed on the kept question, and can take it back.
    assert soup(phone.get(f"/seances/{demo.slug}/questions/live")).find(
        id=f"vote-bouton-{kept.id}")["aria-pressed"] == "true"
    phone.post(f"/questions/{kept.id}/vote", data={"csrf_token": token})
    assert fresh(kept.id).votes_count == 0
    post(mod, f"/moderation/questions/{dup.id}/defusionner")
    assert (fresh(kept.id).votes_count, fresh(dup.id).votes_count) == (0, 1)


@pytest.mark.parametrize("case, status, message", [
    ("self", 400, "avec elle-même"),
    ("other_seance", 400, "autre séance"),
    ("into_merged", 409, "a elle-même été fusionnée"),
    ("cycle", 409, "D’autres questions ont été fusionnées dans celle-ci"),
    ("unknown", 404, "n’existe pas"),
    ("garbage", 404, "n’existe pas"),
])
def test_bad_merges_are_refused_in_french_and_change_nothing(mod, demo, make_question, make_seance,
                                                             case, status, message):
    a = make_question(demo, body="Question A ?")
    b = make_question(demo, body="Question B ?")
    c = make_question(demo, body="Question C ?")
    other = make_question(make_seance(title="Autre"), body="Ailleurs ?")
    post(mod, f"/moderation/questions/{b.id}/fusionner", into=str(c.id))  # b is merged into c
    source, into = {"self": (a.id, a.id), "other_seance": (a.id, other.id), "into_merged": (a.id, b.id),
                    "cycle": (c.id, a.id), "unknown": (a.id, 999999), "garbage": (a.id, "x")}[case]
    for htmx in (False, True):
        response = post(mod, f"/moderation/questions/{source}/fusionner", htmx=htmx, into=str(into))
        assert response.status_code == status and message in text_of(response)
    assert fresh(a.id).merged_into_id is None and fresh(c.id).merged_into_id is None
    assert fresh(b.id).merged_into_id == c.id


def test_undoing_what_is_not_merged_is_refused(mod, demo, make_question):
    a = make_question(demo)
    response = post(mod, f"/moderation/questions/{a.id}/defusionner")
    assert response.status_code == 409 and "n’est pas fusionnée" in text_of(response)
    assert post(mod, "/moderation/questions/999999/defusionner").status_code == 404


def test_likely_duplicates_are_suggested_and_merged_in_one_click(mod, demo, make_question):
    first = make_question(demo, body="Quelles aides pour l’embauche des jeunes ?", status="approved")
    dup = make_question(demo, body="quelles AIDES à l’embauche pour les jeunes", status="pending")
    make_question(demo, body="Et le télétravail ?", status="pending")
    page = soup(mod.get(queue_url(demo)))
    hint = page.find(id=f"question-{dup.id}").select_one("form.duplicate-hint")
    assert hint is not None and f"Doublon probable de la n° {first.id}" in hint.get_text()
    data = {i["name"]: i.get("value", "") for i in hint.find_all("input")}
    assert mod.post(hint["action"], data=data).status_code == 303
    assert fresh(dup.id).merged_into_id == first.id


def test_a_merged_question_shows_so_on_its_askers_phone(app, demo, make_question):
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    phone = app.test_client()
    token = csrf_token(phone, f"/seances/{demo.slug}/questions")
    phone.post(f"/seances/{demo.slug}/questions", data={"body": "Ma question en double ?", "csrf_token": token})
    db.session.rollback()
    mine = db.session.scalar(select(Question).where(Question.body == "Ma question en double ?"))
    kept = make_question(demo, body="La question gardée ?")
    from masterclass.questions import desk

    desk.merge(mine.id, kept.id, user_id=None)
    page = text_of(phone.get(f"/seances/{demo.slug}/questions/live"))
    assert f"Regroupée avec une question semblable (n° {kept.id})" in page


def test_merging_bumps_what_public_pages_are_cached_on(app, demo, make_question):
    a = make_question(demo, body="Question A ?")
    b = make_question(demo, body="Question B ?")
    from masterclass.questions import desk

    def generation():
        db.session.rollback()
        return db.session.execute(text("SELECT value FROM public_generation")).scalar()

    before = generation()
    desk.merge(b.id, a.id, user_id=None)
    after_merge = generation()
    desk.unmerge(b.id, user_id=None)
    assert before < after_merge < generation()


# --- pre-moderation -------------------------------------------------------------------------------

def test_without_premoderation_questions_are_public_at_once(app, mod, demo):
    page = soup(mod.get(f"/moderation/seances/{demo.slug}/modifier"))
    form = page.find("input", attrs={"name": "title"}).find_parent("form")
    assert form.find("input", attrs={"name": "premoderation"}).has_attr("checked")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")
            if i.get("type") not in ("checkbox", "radio", "submit") and i.get("name")}
    data.update({t["name"]: t.get_text() for t in form.find_all("textarea")})
    data.update({s["name"]: (s.find("option", selected=True) or s.find("option"))["value"]
                 for s in form.find_all("select")})
    data["published"] = "y"  # premoderation left unticked
    assert mod.post(f"/moderation/seances/{demo.slug}/modifier", data=data).status_code == 303
    db.session.rollback()
    assert db.session.get(Seance, demo.id).premoderation is False
    phone = app.test_client()
    token = csrf_token(phone, f"/seances/{demo.slug}/questions")
    phone.post(f"/seances/{demo.slug}/questions", data={"body": "Publique tout de suite ?", "csrf_token": token})
    assert "Publique tout de suite ?" in text_of(app.test_client().get(f"/seances/{demo.slug}/questions/live"))
    # The moderator can still set it aside.
    db.session.rollback()
    question = db.session.scalar(select(Question).where(Question.body == "Publique tout de suite ?"))
    assert question.status == "approved"
    post(mod, f"/moderation/questions/{question.id}/statut", status="rejected")
    assert "Publique tout de suite ?" not in text_of(app.test_client().get(f"/seances/{demo.slug}/questions/live"))


def test_a_new_seance_has_premoderation_ticked(mod):
    box = soup(mod.get("/moderation/seances/nouvelle")).find("input", attrs={"name": "premoderation"})
    assert box.has_attr("checked")


# --- export ---------------------------------------------------------------------------------------

def export_rows(client, seance) -> list[list[str]]:
    response = client.get(f"/moderation/seances/{seance.slug}/export.csv")
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_export_in_french_local_time_with_source_and_merge(mod, demo, make_question):
    from datetime import datetime

    q = make_question(demo, body="Question d’hiver ?", status="pending", submitted_at=datetime(2026, 1, 15, 17, 5))
    s = make_question(demo, body="Question d’été ?", submitted_at=datetime(2026, 7, 1, 16, 30), source="papier",
                      author="Anne", pinned=True)
    post(mod, f"/moderation/questions/{q.id}/fusionner", into=str(s.id))
    rows = {row[0]: row for row in export_rows(mod, demo)[1:]}
    assert rows[str(q.id)][1:5] == ["15/01/2026", "18:05", "en attente", "non"]  # UTC+1 in winter
    assert rows[str(s.id)][1:5] == ["01/07/2026", "18:30", "retenue", "oui"]  # UTC+2 in summer
    assert rows[str(s.id)][6:8] == ["Anne", "papier"] and rows[str(q.id)][7] == "téléphone"
    assert rows[str(q.id)][10] == str(s.id) and rows[str(s.id)][10] == ""


def test_export_follows_the_timezone_setting(make_app):
    from datetime import datetime

    from masterclass.questions.models import Question as Q

    app = make_app(TIMEZONE="America/Cayenne")
    with app.app_context():
        from masterclass.moderation.export import questions_csv

        question = Q(id=1, body="b", author="", status="answered", pinned=False, votes_count=0, source="",
                     submitted_at=datetime(2026, 1, 15, 17, 5))
        body = questions_csv([question], app.config["TIMEZONE"])
        db.session.remove()
        db.engine.dispose()
    assert '"15/01/2026";"14:05";"répondue"' in body


def test_a_bad_timezone_setting_stops_the_app_with_a_clear_message(make_app):
    with pytest.raises(RuntimeError, match="MASTERCLASS_TIMEZONE"):
        make_app(TIMEZONE="Mars/Olympus")


def test_the_corrected_question_exports_both_texts(mod, demo, make_question):
    q = make_question(demo, body="Coment recruté ?", status="pending")
    post(mod, f"/moderation/questions/{q.id}/modifier", body="Comment recruter ?", previous_body="Coment recruté ?")
    row = next(r for r in export_rows(mod, demo) if r[0] == str(q.id))
    assert row[8:10] == ["Comment recruter ?", "Coment recruté ?"]


def test_xlsx_export_has_text_cells_only(mod, demo, make_question):
    from openpyxl import load_workbook

    make_question(demo, body="=1+2", author="@SUM(A1)")
    response = mod.get(f"/moderation/seances/{demo.slug}/export.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.headers["Content-Type"]
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["N°", "Date", "Heure", "Statut"] and sheet.max_row == 13
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert "=1+2" in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)
    workbook.close()


def test_desk_routes_need_a_moderator(client, demo, make_question):
    q = make_question(demo)
    for url in (f"/moderation/seances/{demo.slug}/questions/lot", f"/moderation/seances/{demo.slug}/questions/ajouter",
                f"/moderation/questions/{q.id}/fusionner", f"/moderation/questions/{q.id}/defusionner"):
        response = client.post(url, data={"csrf_token": csrf_token(client)})
        assert response.status_code in (302, 303) and "/connexion" in response.headers["Location"]
    assert client.get(f"/moderation/seances/{demo.slug}/export.xlsx").status_code in (302, 303)
