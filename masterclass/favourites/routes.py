from flask import abort, render_template, request, url_for

from ..accounts.permissions import safe_next
from ..extensions import db, limiter
from ..fiches.models import Fiche
from ..htmx import answer
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
    target = db.session.get(Seance if kind == "seance" else Fiche, target_id)
    return answer(lambda: render_template("favourites/_toggle_response.html", kind=kind, target=target,
                                          kept=kept),
                  safe_next(request.form.get("next")) or _default_back(target))


def _default_back(target: Seance | Fiche) -> str:
    seance = target.seance if isinstance(target, Fiche) else target
    return url_for("archive.seance", slug=seance.slug)


@bp.get("/favoris")
def index():
    return render_template("favourites/index.html", kept=services.kept_by_visitor())


@bp.app_template_global()
def favourites_count() -> int:
    """For the header: how many things this visitor keeps (one query, only when they have a token)."""
    return services.count_for_visitor()
