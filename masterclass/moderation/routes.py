from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..archive.services import all_themes, public_questions
from ..models_base import local_now
from . import bp, services
from .forms import SeanceForm


@bp.get("/")
def dashboard():
    return render_template("moderation/dashboard.html", board=services.dashboard(local_now()))


@bp.route("/seances/nouvelle", methods=["GET", "POST"])
def new_seance():
    form = SeanceForm()
    if form.validate_on_submit():
        if services.duplicate_exists(form.title.data, form.date.data):
            form.title.errors.append(_("Une séance porte déjà ce titre à cette date."))
        else:
            seance = services.create_seance(form.data, current_user.id)
            flash(_("Séance « %(title)s » créée.", title=seance.title), "success")
            return redirect(url_for("moderation.edit_seance", slug=seance.slug), 303)
    return render_template("moderation/seance_form.html", form=form, seance=None,
                           themes=all_themes()), (
        400 if form.errors else 200)


@bp.route("/seances/<slug>/modifier", methods=["GET", "POST"])
def edit_seance(slug: str):
    seance = services.get_seance(slug) or abort(404)
    form = SeanceForm()
    if not form.is_submitted():
        _fill(form, seance)
    elif form.validate():
        if services.duplicate_exists(form.title.data, form.date.data, exclude_id=seance.id):
            form.title.errors.append(_("Une séance porte déjà ce titre à cette date."))
        else:
            changed = services.update_seance(seance, form.data, current_user.id)
            flash(_("Modifications enregistrées.") if changed else _("Aucune modification."), "success")
            return redirect(url_for("moderation.edit_seance", slug=seance.slug), 303)
    return render_template("moderation/seance_form.html", form=form, seance=seance,
                           themes=all_themes(), audit=services.audit_trail(seance)), (
        400 if form.errors else 200)


@bp.get("/seances/<slug>/apercu")
def preview(slug: str):
    seance = services.get_seance(slug) or abort(404)
    return render_template("archive/seance.html", seance=seance,
                           questions=public_questions(seance), preview=True)


def _fill(form: SeanceForm, seance) -> None:
    form.title.data = seance.title
    form.date.data = seance.starts_at.date()
    form.time.data = seance.starts_at.time()
    form.city.data = seance.city
    form.venue.data = seance.venue
    form.theme.data = seance.theme.name if seance.theme else ""
    form.speaker.data = seance.speaker_name
    form.speaker_role.data = seance.speaker_role
    form.concept.data = seance.concept
    form.summary.data = seance.summary_html
    form.published.data = seance.published
