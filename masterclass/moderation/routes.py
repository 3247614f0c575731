from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from .. import audit
from ..archive.services import public_questions
from ..errors import abort_fr, recovers_from_faults
from ..extensions import db
from ..htmx import answer, conditional, fragment_etag, not_modified, render
from ..models_base import local_now
from ..questions import desk
from ..questions import services as question_services
from ..questions.forms import FloorQuestionForm, QuestionEditForm
from ..questions.models import STATUSES, Question
from ..questions.services import QuestionError
from ..seances import authoring
from ..seances import services as seance_services
from ..seances.models import Seance
from . import bp, export, services
from .forms import SeanceForm
from .pages import edit_page


def _form_data(form: SeanceForm) -> dict:
    """The form's values; a summary format left out of the request (a script) is None: the
    séance keeps its own."""
    data = dict(form.data)
    if "summary_format" not in request.form:
        data["summary_format"] = None
    if "language" not in request.form:
        data["language"] = None
    if "premoderation_shown" not in request.form and "premoderation" not in request.form:
        data["premoderation"] = None
    return data


def _summary_preview(form: SeanceForm):
    """"Prévisualiser" pressed without JavaScript: the summary as it will show, nothing saved."""
    if "apercu" not in request.form:
        return None
    return authoring.summary_to_html(form.summary.data or "", form.summary_format.data or "markdown")


@bp.get("/")
def dashboard():
    return render_template("moderation/dashboard.html", board=services.dashboard(local_now()))


def _seance_form_fault(_error, fault):
    """A séance form that could not be saved (database full, read-only...): given back as typed."""
    flash(str(fault.message), "error")
    form = SeanceForm()
    slug = (request.view_args or {}).get("slug")
    if slug is None:
        return make_response(render_template("moderation/seance_form.html", form=form, seance=None,
                                             themes=seance_services.all_themes()), fault.status)
    seance = seance_services.get_seance(slug)
    return None if seance is None else edit_page(seance, form=form, status=fault.status)


@bp.route("/seances/nouvelle", methods=["GET", "POST"])
@recovers_from_faults(_seance_form_fault)
def new_seance():
    form = SeanceForm()
    preview = _summary_preview(form)
    if preview is not None:
        return render_template("moderation/seance_form.html", form=form, seance=None,
                               themes=seance_services.all_themes(), summary_preview=preview)
    if form.validate_on_submit():
        if authoring.duplicate_exists(form.title.data, form.date.data):
            form.title.errors.append(_("Une séance porte déjà ce titre à cette date."))
        else:
            seance = authoring.create_seance(_form_data(form), current_user.id)
            flash(_("Séance « %(title)s » créée.", title=seance.title), "success")
            return redirect(url_for("moderation.edit_seance", slug=seance.slug), 303)
    return render_template("moderation/seance_form.html", form=form, seance=None,
                           themes=seance_services.all_themes()), (
        400 if form.errors else 200)


@bp.route("/seances/<slug>/modifier", methods=["GET", "POST"])
@recovers_from_faults(_seance_form_fault)
def edit_seance(slug: str):
    seance = seance_services.get_seance(slug) or _renamed_while_editing() or abort(404)
    form = SeanceForm()
    if not form.is_submitted():
        form.fill_from(seance)
    elif (preview := _summary_preview(form)) is not None:
        return edit_page(seance, form=form, summary_preview=preview)
    elif form.validate():
        if authoring.duplicate_exists(form.title.data, form.date.data, exclude_id=seance.id):
            form.title.errors.append(_("Une séance porte déjà ce titre à cette date."))
        else:
            expected = int(form.edit_version.data) if form.edit_version.data else None
            try:
                changed = authoring.update_seance(seance, _form_data(form), current_user.id, expected)
            except authoring.StaleEdit as stale:
                # Nothing saved; what this moderator typed stays in the form, now carrying the
                # current version: saving again (after a look at the other change) applies it.
                form.edit_version.data = str(stale.version)
                # By id: the other save may have changed the slug (title or date of a draft).
                return edit_page(db.session.get(Seance, seance.id), form=form, status=409, stale=stale)
            flash(_("Modifications enregistrées.") if changed else _("Aucune modification."), "success")
            return redirect(url_for("moderation.edit_seance", slug=seance.slug), 303)
    return edit_page(seance, form=form, status=400 if form.errors else 200)


def _renamed_while_editing():
    """A save posted to a draft's old address (someone changed its title or date since the form
    was opened): the form says which séance, so the save is checked, and refused as stale,
    rather than lost on a 404."""
    if request.method != "POST" or not request.form.get("edit_version"):
        return None
    try:
        return db.session.get(Seance, int(request.form.get("seance_id", "")))
    except ValueError:
        return None


@bp.get("/seances/<slug>/apercu")
def preview(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    return render_template("archive/seance.html", seance=seance, questions=public_questions(seance),
                           counts=question_services.record_counts(seance.id), preview=True)


# --- live moderation -----------------------------------------------------------------------------

STATUS_LABELS = {"pending": _l("en attente"), "approved": _l("retenue"),
                 "answered": _l("répondue"), "rejected": _l("écartée")}
SOURCE_LABELS = {"papier": _l("papier"), "micro": _l("micro")}
TAB_LABELS = {"a-traiter": _l("À traiter"), "retenues": _l("Retenues"), "repondues": _l("Répondues"),
              "ecartees": _l("Écartées"), "tous": _l("Toutes")}


def _view() -> tuple[str, str]:
    """The tab and the search the moderator is on (query string, or the form that acted)."""
    values = request.values
    return desk.parse_tab(values.get("statut")), (values.get("q") or "").strip()[:200]


def _queue_context(seance, editing=None, floor=None) -> dict:
    tab, query = _view()
    view = desk.desk(seance.id, tab, query)
    return {"seance": seance, "desk": view, "questions": view.questions, "counts": view.counts,
            "status_labels": STATUS_LABELS, "source_labels": SOURCE_LABELS, "editing": editing,
            "tab": tab, "query": query, "tabs": TAB_LABELS, "floor": floor or {}}


def queue_page(seance, status=200, message=None, **extra):
    """The queue page (htmx: the queue alone), with a line saying what was done or refused."""
    return render("moderation/queue.html", "moderation/_queue.html", status=status,
                  page_context=lambda: {"audit": audit.trail(seance.id, limit=20)},
                  **_queue_context(seance, **extra), message=message, message_error=status >= 400)


@bp.get("/seances/<slug>/questions")
def queue(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    return queue_page(seance)


@bp.get("/seances/<slug>/questions/live")
def queue_live(slug: str):
    state = question_services.live_state(slug) or abort(404)
    tab, query = _view()
    etag = fragment_etag(state.version, desk.queue_marker(state.seance_id), "queue", tab, query)
    cached = not_modified(etag)
    if cached is not None:
        return cached
    seance = seance_services.get_seance(slug)
    response = make_response(render_template("moderation/_queue.html", **_queue_context(seance)))
    return conditional(response, etag)


def _queue_url(seance, anchor: str = "") -> str:
    """The queue page on the tab and search the moderator is on."""
    tab, query = _view()
    args = {"statut": tab} if tab != desk.DEFAULT_TAB else {}
    if query:
        args["q"] = query
    return url_for("moderation.queue", slug=seance.slug, **args) + anchor


def _queue_after(seance, question_id: int | None = None, message=None):
    """After an action on the queue: htmx gets the queue again (with ``message``); without
    JavaScript, back to the queue page, at the question acted on."""
    anchor = f"#question-{question_id}" if question_id is not None else ""
    return answer(lambda: queue_page(seance, message=message), _queue_url(seance, anchor), message=message,
                  event="questions-changed")


def _after_question_action(question):
    return _queue_after(question.seance, question.id)


@bp.post("/questions/<int:question_id>/statut")
def set_status(question_id: int):
    status = request.form.get("status", "")
    if status not in STATUSES:
        abort_fr(400, _("Statut inconnu : choisissez « en attente », « retenue », « répondue » "
                        "ou « écartée »."))
    try:
        question = desk.set_status(question_id, status, current_user.id)
    except QuestionError:
        abort(404)
    return _after_question_action(question)


@bp.post("/questions/<int:question_id>/epingler")
def toggle_pin(question_id: int):
    try:
        question = desk.toggle_pin(question_id, current_user.id)
    except QuestionError:
        abort(404)
    return _after_question_action(question)


@bp.post("/questions/<int:question_id>/modifier")
def edit_question(question_id: int):
    question = db.session.get(Question, question_id) or abort(404)
    form = QuestionEditForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors or not form.body.errors:
            abort_fr(400, _("Texte invalide."))
        return _correction_refused(question, form.body.data, form.previous_body.data,
                                   " ".join(map(str, form.body.errors)), 400)
    previous = form.previous_body.data if "previous_body" in request.form else None
    try:
        question = desk.edit_body(question_id, form.body.data, current_user.id, previous)
    except desk.StaleCorrection as stale:
        return _correction_refused(
            question, form.body.data, stale.current_body,
            _("Quelqu'un a corrigé cette question pendant que vous la modifiiez ; votre correction "
              "n'a pas été enregistrée. Son texte est maintenant : « %(body)s ». Votre saisie est "
              "conservée ci-dessous : enregistrez à nouveau pour la garder.", body=stale.current_body),
            409)
    return _after_question_action(question)


def _correction_refused(question, typed: str, previous: str, message: str, status: int):
    """The queue again, with this question's correction open, what was typed in it, and why
    it was not saved (htmx swaps 4xx answers in: see base.html)."""
    seance = seance_services.get_seance(question.seance.slug)
    editing = {"id": question.id, "body": typed or "", "previous": previous or "", "error": message}
    return queue_page(seance, status, editing=editing)


@bp.post("/seances/<slug>/ouverture")
def set_opening(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    value = request.form.get("open")
    if value not in ("0", "1"):
        abort_fr(400, _("Valeur attendue : 1 pour ouvrir les questions, 0 pour les fermer."))
    if value == "1" and not seance.published:
        flash(_("Publiez d'abord la séance : les participants ne peuvent pas encore la voir."), "error")
        return redirect(url_for("moderation.queue", slug=slug), 303)
    seance_services.set_open(seance.id, value == "1", current_user.id)
    done = _("Les questions sont ouvertes.") if value == "1" else _("Les questions sont fermées.")
    return answer(lambda: render_template("moderation/_opening.html",
                                          seance=seance_services.get_seance(slug)),
                  url_for("moderation.queue", slug=slug), message=done)


EXPORTS = {"csv": (export.questions_csv, "text/csv; charset=utf-8"),
           "xlsx": (export.questions_xlsx,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


@bp.get("/seances/<slug>/export.csv", defaults={"kind": "csv"})
@bp.get("/seances/<slug>/export.xlsx", defaults={"kind": "xlsx"})
def export(slug: str, kind: str):
    """The séance's questions as a file for a spreadsheet (the same table in either format)."""
    seance = seance_services.get_seance(slug) or abort(404)
    write, content_type = EXPORTS[kind]
    response = make_response(write(desk.queue(seance.id), current_app.config["TIMEZONE"]))
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="questions-{seance.slug}.{kind}"'
    return response


# --- the desk: batch, questions from the floor, merged duplicates ----------------------------------

DESK_REFUSALS = {
    "batch_empty": _l("Cochez au moins une question."),
    "batch_unknown": _l("Certaines questions cochées n'existent pas (ou plus) dans cette séance : "
                        "rien n'a été modifié. Rechargez la page et recommencez."),
    "batch_too_many": _l("Trop de questions à la fois (%(max)d au plus) : rien n'a été modifié."),
    "merge_self": _l("Une question ne peut pas être fusionnée avec elle-même."),
    "merge_other_seance": _l("Cette question appartient à une autre séance : on ne fusionne que des "
                             "questions de la même séance."),
    "merge_into_merged": _l("La question choisie a elle-même été fusionnée dans une autre : "
                            "fusionnez plutôt dans celle-ci."),
    "merge_has_duplicates": _l("D'autres questions ont été fusionnées dans celle-ci : annulez d'abord "
                               "ces fusions, ou fusionnez-les dans la même question."),
    "already_merged": _l("Cette question est déjà fusionnée : annulez d'abord la fusion."),
    "not_merged": _l("Cette question n'est pas fusionnée : rien à annuler."),
    "unknown": _l("Cette question n'existe pas ou a été supprimée."),
    "bad_source": _l("Source inconnue : choisissez « papier » ou « micro »."),
}


# 400: the request itself is wrong; 409: the questions' state forbids it now; 413: too many at once.
DESK_STATUS = {"batch_empty": 400, "batch_unknown": 400, "batch_too_many": 413, "merge_self": 400,
               "merge_other_seance": 400, "merge_into_merged": 409, "merge_has_duplicates": 409,
               "already_merged": 409, "not_merged": 409, "unknown": 404, "bad_source": 400}


def _desk_refused(seance, error: QuestionError, **extra):
    message = str(DESK_REFUSALS[error.reason]) % {"max": desk.MAX_BATCH}
    return queue_page(seance, DESK_STATUS[error.reason], message=message, **extra)


@bp.post("/seances/<slug>/questions/lot")
def batch(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    status = request.form.get("status", "")
    if status not in STATUSES:
        abort_fr(400, _("Statut inconnu : choisissez « en attente », « retenue », « répondue » "
                        "ou « écartée »."))
    try:
        ids = desk.parse_ids(request.form.getlist("ids"))
        changed = desk.batch_status(seance.id, ids, status, current_user.id)
    except QuestionError as error:
        return _desk_refused(seance, error)
    message = ngettext("%(num)d question modifiée.", "%(num)d questions modifiées.", changed)
    return _queue_after(seance, message=message)


@bp.post("/seances/<slug>/questions/ajouter")
def add_floor_question(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    form = FloorQuestionForm()
    typed = {"body": request.form.get("body", ""), "author": request.form.get("author", ""),
             "source": request.form.get("source", ""), "open": True}
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort_fr(400, _("Le formulaire a expiré : rechargez la page, puis recommencez."))
        errors = [str(e) for name in ("body", "author", "source") for e in getattr(form, name).errors]
        return queue_page(seance, 400, floor={**typed, "error": " ".join(errors)})
    try:
        question = desk.add_floor_question(seance.id, form.body.data, form.author.data or "",
                                           form.source.data, current_user.id)
    except QuestionError as error:  # pragma: no cover - the form checks the source first
        return _desk_refused(seance, error, floor={**typed, "error": str(DESK_REFUSALS[error.reason])})
    return _queue_after(seance, question.id, _("Question n° %(id)s ajoutée et retenue.", id=question.id))


@bp.post("/questions/<int:question_id>/fusionner")
def merge_question(question_id: int):
    seance = desk.seance_for(question_id) or abort_fr(404, str(DESK_REFUSALS["unknown"]))
    into = request.form.get("into", "").strip().lstrip("#")
    if not into.isdigit() or len(into) > 12:
        return _desk_refused(seance, QuestionError("unknown"))
    try:
        question = desk.merge(question_id, int(into), current_user.id)
    except QuestionError as error:
        return _desk_refused(seance, error)
    message = _("Question n° %(id)s fusionnée dans la n° %(into)s.", id=question.id,
                into=question.merged_into_id)
    return _queue_after(seance, question.merged_into_id, message)


@bp.post("/questions/<int:question_id>/defusionner")
def unmerge_question(question_id: int):
    seance = desk.seance_for(question_id) or abort_fr(404, str(DESK_REFUSALS["unknown"]))
    try:
        question = desk.unmerge(question_id, current_user.id)
    except QuestionError as error:
        return _desk_refused(seance, error)
    message = _("Fusion annulée : la question n° %(id)s est de retour.", id=question.id)
    return _queue_after(seance, question.id, message)
