"""Moderators attach fiches to séances: upload, replace, reorder, delete."""

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import recovers_from_faults, render_error
from ..extensions import db
from ..fiches import services as fiche_services
from ..fiches.filetypes import Refused
from ..fiches.forms import FicheForm, ReplaceFileForm
from ..fiches.models import Fiche
from ..htmx import answer
from ..seances import services as seance_services
from . import MODERATION_ROLES, bp
from .pages import edit_page

ACCEPTED = _l("Formats acceptés : PDF, OpenDocument (odt, ods, odp), Word, Excel et PowerPoint "
              "(docx, xlsx, pptx), images PNG et JPEG.")
REFUSALS = {
    "type": _l("Ce type de fichier n'est pas accepté."),
    "content": _l("Le contenu du fichier ne correspond pas à son extension."),
    "empty": _l("Le fichier est vide."),
    "archive": _l("Ce document est une archive anormale (son contenu décompressé serait démesuré) : "
                  "enregistrez-le à nouveau depuis votre traitement de texte ou votre tableur."),
    "double_extension": _l("Le nom du fichier contient une double extension (par exemple "
                           "« .php.pdf ») : renommez-le."),
}


def _refusal(reason: str) -> str:
    if reason == "too_large":
        return _("Le fichier dépasse la taille maximale de %(mb)s Mo.",
                 mb=current_app.config["MAX_UPLOAD_MB"])
    return f"{REFUSALS[reason]} {ACCEPTED}"


def _done(seance, message: str):
    return answer(lambda: edit_page(seance, fiche_message=message, message_kind="success"),
                  url_for("moderation.edit_seance", slug=seance.slug) + "#fiches-admin", message=message)


def _upload_fault(_error, fault):
    """The fiche could not be stored (storage full or unavailable, database full...): the form
    comes back with its title and description; the file is to be chosen again."""
    seance = seance_services.get_seance((request.view_args or {}).get("slug", ""))
    if seance is None:
        return None
    form = FicheForm()
    form.file.errors = [str(fault.message)]
    return edit_page(seance, fiche_form=form, status=fault.status)


def _replace_fault(_error, fault):
    fiche = db.session.get(Fiche, (request.view_args or {}).get("fiche_id", 0))
    if fiche is None:
        return None
    return edit_page(fiche.seance, status=fault.status, fiche_message=str(fault.message))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A file too large for the upload form: the séance page, the form saying so."""
    # Raised before the blueprint checks the role: only a moderator may see the séance's page.
    moderator = current_user.is_authenticated and current_user.role in MODERATION_ROLES
    seance = (seance_services.get_seance(request.view_args["slug"])
              if moderator and request.endpoint == "moderation.upload_fiche" else None)
    if seance is None:
        return render_error(413)
    form = FicheForm(formdata=None)
    form.file.errors = [_refusal("too_large")]
    return edit_page(seance, fiche_form=form, status=413)


@bp.post("/seances/<slug>/fiches")
@recovers_from_faults(_upload_fault)
def upload_fiche(slug: str):
    seance = seance_services.get_seance(slug) or abort(404)
    form = FicheForm()
    if not form.validate_on_submit():
        return edit_page(seance, fiche_form=form, status=400)
    try:
        received = fiche_services.receive(form.file.data.stream, form.file.data.filename,
                                          current_app.config["MAX_UPLOAD_BYTES"])
    except Refused as refusal:
        form.file.errors.append(_refusal(refusal.reason))
        return edit_page(seance, fiche_form=form, status=413 if refusal.reason == "too_large" else 400)
    fiche_services.add_fiche(seance.id, received, form.title.data, form.description.data,
                             current_user.id)
    return _done(seance, _("Fiche « %(title)s » ajoutée.", title=form.title.data))


@bp.post("/fiches/<int:fiche_id>/remplacer")
@recovers_from_faults(_replace_fault)
def replace_fiche_file(fiche_id: int):
    fiche = db.session.get(Fiche, fiche_id) or abort(404)
    seance = fiche.seance
    form = ReplaceFileForm()
    if not form.validate_on_submit():
        return edit_page(seance, status=400, fiche_message=_("Choisissez un fichier."))
    try:
        received = fiche_services.receive(form.file.data.stream, form.file.data.filename,
                                          current_app.config["MAX_UPLOAD_BYTES"])
    except Refused as refusal:
        return edit_page(seance, status=413 if refusal.reason == "too_large" else 400,
                         fiche_message=_refusal(refusal.reason))
    fiche_services.replace_file(fiche_id, received, current_user.id)
    return _done(seance, _("Fichier de « %(title)s » remplacé.", title=fiche.title))


@bp.post("/fiches/<int:fiche_id>/deplacer")
def move_fiche(fiche_id: int):
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    fiche = fiche_services.move_fiche(fiche_id, direction) or abort(404)
    return _done(fiche.seance, _("Ordre des fiches enregistré."))


@bp.post("/fiches/<int:fiche_id>/supprimer")
def delete_fiche(fiche_id: int):
    fiche = db.session.get(Fiche, fiche_id) or abort(404)
    seance, title = fiche.seance, fiche.title
    fiche_services.delete_fiche(fiche_id, current_user.id)
    return _done(seance, _("Fiche « %(title)s » supprimée.", title=title))
