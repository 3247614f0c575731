"""Moderators attach fiches: what is stored, what is refused, and what is left on disk."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from masterclass.extensions import db
from masterclass.models import Favourite, Fiche

from .files import DISGUISED, GOOD, pdf, zip_bomb_docx
from .helpers import HTMX, csrf_token, soup, text_of, words


def upload(client, seance, name, data, title="Fiche de test", description="Une description", htmx=False):
    return client.post(
        f"/moderation/seances/{seance.slug}/fiches",
        data={"title": title, "description": description, "csrf_token": csrf_token(client),
              "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data", headers=HTMX if htmx else {})


def stored_files(app) -> list[str]:
    return sorted(p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir())


def newest_fiche() -> Fiche:
    db.session.rollback()
    return db.session.scalar(select(Fiche).order_by(Fiche.id.desc()).limit(1))


def fiche_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Fiche.id)))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepted_files_are_stored_under_a_generated_name(app, mod, demo, name):
    data, mime, label = GOOD[name]
    before = stored_files(app)
    response = upload(mod, demo, name, data)
    assert response.status_code == 303, text_of(response)
    fiche = newest_fiche()
    assert fiche.mime_type == mime and fiche.format_label == label
    assert fiche.original_name == name and fiche.size == len(data)
    new = sorted(set(stored_files(app)) - set(before))
    assert new == [fiche.stored_name] and name not in new and "." not in fiche.stored_name
    assert (Path(app.config["UPLOAD_DIR"]) / fiche.stored_name).read_bytes() == data
    assert "static" not in app.config["UPLOAD_DIR"]


@pytest.mark.parametrize("name", sorted(DISGUISED))
def test_disguised_files_are_refused_and_leave_nothing(app, mod, demo, name):
    before, count = stored_files(app), fiche_count()
    response = upload(mod, demo, name, DISGUISED[name], title="Fiche piégée")
    assert response.status_code == 400
    text = text_of(response)
    assert "Formats acceptés : PDF, OpenDocument" in text or "Le fichier est vide." in text
    assert stored_files(app) == before and fiche_count() == count
    page = soup(response)
    assert page.find(id="fiche-titre")["value"] == "Fiche piégée"  # what was typed stays


def test_the_browser_content_type_is_not_trusted(app, mod, demo):
    data = DISGUISED["page.pdf"]
    response = mod.post(f"/moderation/seances/{demo.slug}/fiches", data={
        "title": "x", "csrf_token": csrf_token(mod),
        "file": (io.BytesIO(data), "page.pdf", "application/pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400


def upload_far_too_large(app, client, seance, headers=None):
    """A 2 MB file posted to the upload form as a browser streams it (the body is not read)."""
    from flask.testing import EnvironBuilder

    builder = EnvironBuilder(app, f"/moderation/seances/{seance.slug}/fiches", method="POST",
                             headers=headers or {}, content_type="multipart/form-data",
                             data={"title": "x", "csrf_token": csrf_token(client),
                                   "file": (io.BytesIO(pdf("x" * 2_000_000)), "enorme.pdf")})
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()  # the test client's own temporary body file
        builder.close()


def test_a_too_large_upload_from_a_stranger_gets_the_plain_413_page(make_app):
    from masterclass.demo import load_demo

    app = make_app(MAX_UPLOAD_MB=0.01)
    with app.app_context():
        load_demo()
        client = app.test_client()
        seance = db.session.scalar(select(Fiche)).seance
        # Far over the limit: refused by Werkzeug before the blueprint checks who is asking.
        response = upload_far_too_large(app, client, seance)
        assert response.status_code == 413 and "Fichier trop volumineux" in text_of(response)
        assert "Modifier la séance" not in text_of(response)  # the moderators' page stays theirs
        db.session.remove()
        db.engine.dispose()


def test_too_large_upload_is_413_with_a_french_message_and_kept_fields(make_app, auth, tmp_path):
    from masterclass.demo import load_demo

    app = make_app(MAX_UPLOAD_MB=0.01)  # about 10 KB
    with app.app_context():
        load_demo()
        client = app.test_client()
        from .conftest import Auth

        Auth(client, auth.make_user).login(role="moderator")
        seance = db.session.scalar(select(Fiche)).seance
        before = stored_files(app)
        response = upload(client, seance, "grosse.pdf", pdf("x" * 11_000), title="Grosse fiche")
        assert response.status_code == 413
        assert "Le fichier dépasse la taille maximale de 0.01 Mo." in text_of(response)
        assert soup(response).find(id="fiche-titre")["value"] == "Grosse fiche"
        # Far over the limit: refused by Werkzeug before the body is read.
        far = upload_far_too_large(app, client, seance, headers=HTMX)
        assert far.status_code == 413 and "taille maximale" in text_of(far)
        assert stored_files(app) == before
        db.session.remove()
        db.engine.dispose()


def test_htmx_upload_answers_with_the_updated_list(mod, demo):
    response = upload(mod, demo, "nouvelle.pdf", pdf("htmx"), title="Fiche ajoutée en direct", htmx=True)
    assert response.status_code == 200
    section = soup(response).find(id="fiches-admin")
    assert section and "Fiche ajoutée en direct" in section.get_text()
    assert "Fiche « Fiche ajoutée en direct » ajoutée." in words(section.get_text())
    assert not soup(response).find("html")


def test_same_file_twice_is_stored_once(app, mod, demo):
    before = stored_files(app)
    upload(mod, demo, "a.pdf", pdf("same"), title="A")
    upload(mod, demo, "b.pdf", pdf("same"), title="B")
    assert len(stored_files(app)) == len(before) + 1
    assert fiche_count() == 3


def test_original_name_loses_its_path(app, mod, demo):
    upload(mod, demo, "../../etc/Fiche été.pdf", pdf("path"))
    fiche = newest_fiche()
    assert fiche.original_name == "Fiche été.pdf"


def test_delete_removes_the_file_and_the_favourites(app, mod, client, demo):
    fiche_id = demo.fiches[0].id
    stored = demo.fiches[0].stored_name
    visitor = app.test_client()
    visitor.post(f"/favoris/fiche/{fiche_id}", data={"csrf_token": csrf_token(visitor)})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Favourite)) == 1
    response = mod.post(f"/moderation/fiches/{fiche_id}/supprimer", data={"csrf_token": csrf_token(mod)})
    assert response.status_code == 303
    assert stored not in stored_files(app) and fiche_count() == 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Favourite)) == 0
    assert visitor.get(f"/fiches/{fiche_id}/telecharger").status_code == 404


def test_delete_keeps_a_file_another_fiche_shares(app, mod, demo):
    upload(mod, demo, "original.pdf", pdf("partagé"), title="Original")
    original_id, shared = newest_fiche().id, newest_fiche().stored_name
    upload(mod, demo, "copie.pdf", pdf("partagé"), title="Copie")
    mod.post(f"/moderation/fiches/{original_id}/supprimer", data={"csrf_token": csrf_token(mod)})
    copy = newest_fiche()
    assert copy.title == "Copie" and copy.stored_name == shared
    assert (Path(app.config["UPLOAD_DIR"]) / copy.stored_name).is_file()


def test_replace_and_reorder(app, mod, demo):
    upload(mod, demo, "deux.pdf", pdf("deux"), title="Deuxième fiche")
    first, second = demo.fiches[0].id, newest_fiche().id
    old_file = demo.fiches[0].stored_name
    mod.post(f"/moderation/fiches/{second}/deplacer", data={"direction": "up", "csrf_token": csrf_token(mod)})
    titles = [words(li.get_text(" ", strip=True)) for li in soup(mod.get(f"/seances/{demo.slug}")).select("li.fiche h3")]
    assert titles == ["Deuxième fiche", "Masterclass : Fiche capitalisation Dev éco"]
    response = mod.post(f"/moderation/fiches/{first}/remplacer", data={
        "csrf_token": csrf_token(mod), "file": (io.BytesIO(GOOD["note.docx"][0]), "fiche-v2.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.rollback()
    fiche = db.session.get(Fiche, first)
    assert fiche.original_name == "fiche-v2.docx" and fiche.format_label == "DOCX"
    assert old_file not in stored_files(app)
    refused = mod.post(f"/moderation/fiches/{first}/remplacer", data={
        "csrf_token": csrf_token(mod), "file": (io.BytesIO(DISGUISED["page.pdf"]), "page.pdf")},
        content_type="multipart/form-data")
    assert refused.status_code == 400


def test_download_counts_show_to_moderators(mod, demo):
    for _ in range(2):
        mod.get(f"/fiches/{demo.fiches[0].id}/telecharger")
    assert "2 téléchargements" in text_of(mod.get(f"/moderation/seances/{demo.slug}/modifier"))


def test_clean_original_name():
    from masterclass.fiches.filetypes import clean_original_name

    assert clean_original_name("C:\\Users\\anne\\Fiche été.pdf") == "Fiche été.pdf"
    assert clean_original_name("../../etc/passwd\x00.pdf") == "passwd.pdf"
    long_name = clean_original_name("a" * 400 + ".pdf")
    assert len(long_name) <= 255 and long_name.endswith(".pdf")


def replace(client, fiche_id, name, data):
    return client.post(f"/moderation/fiches/{fiche_id}/remplacer", data={
        "csrf_token": csrf_token(client), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_replacing_a_file_with_the_same_bytes_keeps_it(app, mod, demo):
    """Content-addressed storage: the new content is the old file; it must stay on disk."""
    upload(mod, demo, "x.pdf", pdf("identique"), title="Même fichier")
    fiche = newest_fiche()
    response = replace(mod, fiche.id, "x.pdf", pdf("identique"))
    assert response.status_code == 303
    assert "remplacé" in text_of(mod.get(response.headers["Location"]))
    db.session.rollback()
    assert db.session.get(Fiche, fiche.id).stored_name == fiche.stored_name
    assert fiche.stored_name in stored_files(app)
    download = app.test_client().get(f"/fiches/{fiche.id}/telecharger")
    assert download.status_code == 200 and download.data == pdf("identique")


def test_replacing_with_a_file_another_fiche_holds_keeps_both(app, mod, demo):
    """Replacing A by B's content, then B by A's old content: every file a fiche points to stays."""
    upload(mod, demo, "a.pdf", pdf("contenu A"), title="A")
    a_id, a_file = newest_fiche().id, newest_fiche().stored_name
    upload(mod, demo, "b.pdf", pdf("contenu B"), title="B")
    b_id, b_file = newest_fiche().id, newest_fiche().stored_name
    assert replace(mod, a_id, "b.pdf", pdf("contenu B")).status_code == 303
    db.session.rollback()
    assert db.session.get(Fiche, a_id).stored_name == b_file
    assert a_file not in stored_files(app)  # nobody points to A's old content any more
    assert replace(mod, b_id, "a.pdf", pdf("contenu A")).status_code == 303
    visitor = app.test_client()
    assert visitor.get(f"/fiches/{a_id}/telecharger").data == pdf("contenu B")
    assert visitor.get(f"/fiches/{b_id}/telecharger").data == pdf("contenu A")


@pytest.mark.parametrize("declared", [None, 900])
def test_zip_bomb_docx_is_refused_quickly_with_bounded_memory(app, mod, demo, declared):
    """[Content_Types].xml inflating to 1 GiB (headers honest, or claiming 900 bytes)."""
    import time
    import tracemalloc

    from masterclass.fiches import filetypes

    bomb = zip_bomb_docx(1024, declared_size=declared)
    assert len(bomb) < 1_200_000
    path = Path(app.config["UPLOAD_DIR"]) / "bomb.docx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bomb)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.detect(path, "bombe.docx")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    path.unlink()
    assert elapsed < 1.0 and peak < 16 * 1024 * 1024, (elapsed, peak)
    assert refused.value.reason in ("archive", "content")
    # Through the real form: a French message, nothing stored.
    before = fiche_count()
    from flask.testing import EnvironBuilder

    builder = EnvironBuilder(mod.application, f"/moderation/seances/{demo.slug}/fiches", method="POST",
                             content_type="multipart/form-data",
                             data={"title": "Bombe", "csrf_token": csrf_token(mod),
                                   "file": (io.BytesIO(bomb), "bombe.docx")})
    environ = builder.get_environ()
    try:
        response = mod.open(environ)
    finally:
        environ["wsgi.input"].close()  # the test client's own temporary body file
        builder.close()
    assert response.status_code == 400
    # Honest headers: an abnormal archive; lying ones: the member stops at its declared size,
    # its checksum fails, the content is not a document.
    assert ("archive anormale" if declared is None else "ne correspond pas") in text_of(response)
    assert soup(response).find(id="fiche-titre")["value"] == "Bombe"
    assert fiche_count() == before


def test_a_bomb_is_refused_for_its_size_not_just_its_type():
    """The honest-headers bomb is refused as an abnormal archive (a clear reason)."""
    import tempfile

    from masterclass.fiches import filetypes

    with tempfile.NamedTemporaryFile(suffix=".docx") as fh:
        fh.write(zip_bomb_docx(64))
        fh.flush()
        with pytest.raises(filetypes.Refused) as refused:
            filetypes.detect(Path(fh.name), "bombe.docx")
    assert refused.value.reason == "archive"
