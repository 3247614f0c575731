from flask import abort, make_response, redirect, render_template, request, url_for

from ..accounts.permissions import safe_next
from ..extensions import db, limiter
from ..fiches.models import Fiche
from ..htmx import is_htmx
from ..participants import participant_key
from ..seances.models import Seance
from . import bp, services
from .models import KINDS


@bp.post("/favoris/<kind>/<int:target_id>")
@limiter.limit("120 per minute", key_func=participant_key)
def toggle(kind: str, target_id: int):
    if kind not in KINDS or not services.visible(kind, target_id):
        abort(404)
    kept = services.toggle(kind, target_id)
    if not is_htmx():
        return redirect(safe_next(request.form.get("next")) or _default_back(kind, target_id), 303)
    target = db.session.get(Seance if kind == "seance" else Fiche, target_id)
    return make_response(render_template("favourites/_toggle_response.html", kind=kind,
                                         target=target, kept=kept))


def _default_back(kind: str, target_id: int) -> str:
    if kind == "fiche":
        return url_for("archive.seance", slug=db.session.get(Fiche, target_id).seance.slug)
    seance = db.session.get(Seance, target_id)
    return url_for("archive.seance", slug=seance.slug)


@bp.get("/favoris")
def index():
    return render_template("favourites/index.html", kept=services.kept_by_visitor())


@bp.app_template_global()
def favourites_count() -> int:
    """For the header: how many things this visitor keeps (one query, only when they have a token)."""
    return services.count_for_visitor()
