from flask import abort, current_app, send_file
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import faults
from ..db import fast_read
from ..errors import abort_fr
from ..page_cache import register_filler
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


def _fill_downloads(fiche_id: str) -> str:
    """How many times a fiche was downloaded, read for each response the page cache gives
    (a download moves only its séance's version, not the archive signature)."""
    row = fast_read(DOWNLOADS_SQL, (int(fiche_id),))
    n = row[0] if row else 0
    if not n:
        return _("jamais téléchargée")
    return ngettext("téléchargée %(num)s fois", "téléchargée %(num)s fois", n)


@bp.record_once
def _register_fillers(state) -> None:
    register_filler(state.app, "downloads", _fill_downloads)
