from flask import abort, current_app, send_file
from flask_babel import gettext as _

from .. import faults, i18n
from ..errors import abort_fr
from ..holes import Visitor, register_filler
from . import bp, services


@bp.get("/fiches/<int:fiche_id>/telecharger")
def download(fiche_id: int):
    fiche = services.get_public(fiche_id) or abort(404)
    path = services.stored_path(fiche)
    if not path.is_file():
        current_app.logger.error("Fiche %s: file %s is missing on disk", fiche.id, path)
        abort_fr(404, _("Le fichier de cette fiche est momentanément indisponible. "
                        "L'équipe du site a été prévenue."))
    response = send_file(
        path,
        mimetype=fiche.mime_type,
        as_attachment=True,
        download_name=fiche.original_name,
        max_age=0,
    )
    try:
        services.record_download(fiche.id)
    except Exception as error:  # a full or read-only database: the download goes on, uncounted
        if faults.classify(error) is None:
            raise
        current_app.logger.warning("Download of fiche %s not counted: %s", fiche.id, error)
    return response


DOWNLOADS_SQL = "SELECT download_count FROM fiche WHERE id = ?"


def _downloads(app, _visitor: Visitor):
    """How many times a fiche was downloaded, read for each response (through Flask or before
    it): a download bumps nothing, so the count is a hole of the page, always current."""
    reader = app.extensions["fast_reader"]

    def fill(fiche_id: str) -> str:
        row = reader.one(DOWNLOADS_SQL, (int(fiche_id),))
        n = row[0] if row else 0
        translations = i18n.catalogue()  # the visitor's language
        if not n:
            return translations.gettext("jamais téléchargée")
        return translations.ngettext("téléchargée %(num)s fois", "téléchargée %(num)s fois", n) % {"num": n}
    return fill


@bp.record_once
def _register_fillers(state) -> None:
    register_filler(state.app, "downloads", _downloads)
