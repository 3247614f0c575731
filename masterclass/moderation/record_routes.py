"""The public record, from the moderators' side: written answers, the fiche drafted from the
séance (page, PDF, attached as a fiche), and the Markdown preview."""

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import abort_fr, recovers_from_faults
from ..extensions import db
from ..models_base import utcnow
from ..questions import desk
from ..questions.models import Question
from ..questions.services import QuestionError
from ..sanitize import markdown_to_html
from ..seances import authoring
from ..seances import services as seance_services
from . import bp, fiche_draft
from .forms import AnswerForm, DraftTextForm

NOT_ANSWERABLE = {
    "merged": "Cette question a été fusionnée avec une autre : répondez à la question conservée, "
              "ou annulez d'abord la fusion.",
    "pending": "Cette question attend encore d'être relue : retenez-la (ou marquez-la répondue) "
               "avant d'y répondre par écrit.",
    "rejected": "Cette question a été écartée : elle n'est publiée nulle part, on ne peut pas y "
                "répondre par écrit. Retenez-la d'abord si elle doit l'être.",
}


def _question_or_404(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        abort_fr(404, _("Cette question n'existe pas ou a été supprimée."))
    return question


def _answer_page(question: Question, form: AnswerForm, status: int = 200, message: str | None = None):
    preview = None
    if form.answer.data and "apercu" in request.form:
        preview = markdown_to_html(form.answer.data)
    return make_response(render_template(
        "moderation/answer.html", question=question, seance=question.seance, form=form,
        message=message, preview=preview,
        answerable=question.is_public), status)


def _answer_fault(_error, fault):
    """The answer could not be saved (database full, read-only...): the form again, as typed."""
    question = db.session.get(Question, (request.view_args or {}).get("question_id", 0))
    if question is None:
        return None
    return _answer_page(question, AnswerForm(), fault.status, str(fault.message))


@bp.route("/questions/<int:question_id>/reponse", methods=["GET", "POST"])
@recovers_from_faults(_answer_fault)
def answer(question_id: int):
    question = _question_or_404(question_id)
    form = AnswerForm()
    if request.method == "GET":
        form.answer.data = question.answer_source or question.answer_html or ""
        status = 200
        return _answer_page(question, form, status)
    if not form.validate_on_submit():
        return _answer_page(question, form, 400 if form.errors else 200)
    if "apercu" in request.form:  # "Prévisualiser" without JavaScript: nothing saved
        return _answer_page(question, form)
    if not question.is_public:
        reason = "merged" if question.merged_into_id else question.status
        return _answer_page(question, form, 409, _(NOT_ANSWERABLE[reason]))
    if not markdown_to_html(form.answer.data):
        form.answer.errors.append(_("Il ne reste rien de cette réponse une fois nettoyée (les scripts "
                                    "et le code HTML non autorisé sont retirés) : écrivez du texte."))
        return _answer_page(question, form, 400)
    try:
        had_answer = question.answer_html is not None
        desk.set_answer(question_id, form.answer.data, current_user.id)
    except QuestionError as refusal:
        question = _question_or_404(question_id)
        if refusal.reason == "unknown":
            abort(404)
        # not_answerable: the question changed meanwhile (merged, back to pending, rejected).
        return _answer_page(question, form, 409, _(NOT_ANSWERABLE.get(question.status, "")))
    flash(_("Réponse écrite modifiée.") if had_answer else _("Réponse écrite publiée."), "success")
    return redirect(url_for("moderation.queue", slug=question.seance.slug) + f"#question-{question.id}", 303)


@bp.post("/questions/<int:question_id>/reponse/supprimer")
def remove_answer(question_id: int):
    question = _question_or_404(question_id)
    desk.remove_answer(question_id, current_user.id)
    flash(_("Réponse écrite retirée."), "success")
    return redirect(url_for("moderation.queue", slug=question.seance.slug) + f"#question-{question.id}", 303)


@bp.post("/apercu-markdown")
def markdown_preview():
    """htmx: what a Markdown field will look like, sanitised (the field named by ``champ``)."""
    name = request.args.get("champ", "summary")
    if name not in ("summary", "answer"):
        abort(400)
    source = request.form.get(name, "")[:60_000]
    fmt = request.form.get("summary_format", "markdown") if name == "summary" else "markdown"
    html = authoring.summary_to_html(source, fmt)
    return render_template("moderation/_markdown_preview.html", html=html)


# --- the fiche draft ------------------------------------------------------------------------------

def _draft_page(seance, form: DraftTextForm, status: int = 200):
    return make_response(render_template("moderation/fiche_draft.html", seance=seance,
                                         d=fiche_draft.draft(seance), form=form), status)


def _draft_fault(_error, fault):
    seance = seance_services.get_seance((request.view_args or {}).get("slug", ""))
    if seance is None:
        return None
    flash(str(fault.message), "error")
    return _draft_page(seance, DraftTextForm(), fault.status)


@bp.route("/seances/<slug>/fiche-brouillon", methods=["GET", "POST"])
@recovers_from_faults(_draft_fault)
def fiche_draft_page(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    form = DraftTextForm()
    if request.method == "GET":
        form.intro.data, form.key_points.data = seance.fiche_intro, seance.fiche_key_points
        return _draft_page(seance, form)
    if not form.validate_on_submit():
        return _draft_page(seance, form, 400)
    changed = seance_services.save_fiche_text(seance.id, (form.intro.data or "").strip(),
                                    (form.key_points.data or "").strip(), current_user.id)
    flash(_("Texte de la fiche enregistré.") if changed else _("Aucune modification."), "success")
    return redirect(url_for("moderation.fiche_draft_page", slug=seance.slug), 303)


def _pdf(seance) -> bytes:
    # fpdf2 and fontTools weigh ~21 MB per worker: loaded by the first draft asked for, not at start.
    from .fiche_pdf import render_pdf

    return render_pdf(fiche_draft.draft(seance), utcnow())


@bp.get("/seances/<slug>/fiche-brouillon.pdf")
def fiche_draft_pdf(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    response = make_response(_pdf(seance))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{fiche_draft.pdf_name(seance)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _attach_fault(_error, fault):
    seance = seance_services.get_seance((request.view_args or {}).get("slug", ""))
    if seance is None:
        return None
    flash(str(fault.message), "error")
    return _draft_page(seance, DraftTextForm(formdata=None), fault.status)


@bp.post("/seances/<slug>/fiche-brouillon/joindre")
@recovers_from_faults(_attach_fault)
def fiche_draft_attach(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    fiche, replaced = fiche_draft.attach(seance, _pdf(seance), current_user.id)
    current_app.logger.info("Fiche draft of %s attached as fiche %s", seance.slug, fiche.id)
    flash(_("La fiche « %(title)s » a été mise à jour avec la nouvelle version du brouillon.",
            title=fiche.title) if replaced else
          _("Fiche « %(title)s » jointe à la séance.", title=fiche.title), "success")
    return redirect(url_for("moderation.edit_seance", slug=seance.slug) + "#fiches-admin", 303)
