from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import page_cache
from ..favourites import services as favourites
from ..htmx import render
from ..models_base import local_now
from ..questions.services import record_counts
from ..seances import services as seance_services
from . import bp, services


@bp.get("/")
def home():
    return page_cache.serve(_home)


def _home():
    sections = services.home_sections(local_now())
    return render_template("archive/home.html", sections=sections)


@bp.get("/seances")
def seances():
    return page_cache.serve(_seances)


def _seances():
    filters = services.ArchiveFilters(
        theme=request.args.get("theme", "").strip()[:90],
        city=request.args.get("ville", "").strip()[:120],
        year=services.parse_year(request.args.get("annee")),
    )
    page = services.archive_page(
        filters,
        services.parse_page(request.args.get("page")),
        current_app.config["ARCHIVE_PAGE_SIZE"],
    )
    return render(
        "archive/seances.html",
        "archive/_results.html",
        page=page,
        filters=filters,
        page_context=lambda: {"options": services.filter_options()},
    )


@bp.get("/seances/<slug>")
def seance(slug: str):
    return page_cache.serve(lambda: _seance(slug), live_slug=slug)


def _seance(slug: str):
    seance = seance_services.get_published(slug) or abort(404)
    return render_template(
        "archive/seance.html",
        seance=seance,
        questions=services.public_questions(seance),
        counts=record_counts(seance.id),
        kept_seances=favourites.kept_ids("seance", [seance.id]),
        kept_fiches=favourites.kept_ids("fiche", [f.id for f in seance.fiches]),
    )


@bp.get("/rejoindre")
def join():
    code = seance_services.normalise_join_code(request.args.get("code", ""))
    seance = seance_services.get_by_join_code(code) if code else None
    if seance is None:
        message = (
            _("Aucune séance ne porte le code « %(code)s ». Vérifiez le code affiché à l'écran.",
              code=request.args.get("code", "").strip()[:20])
            if code else _("Tapez le code affiché à l'écran.")
        )
        return render_template(
            "errors/error.html",
            code=404,
            title=_("Code inconnu"),
            message=message,
            show_join_form=True,
            join_error=message,
            join_code_value=request.args.get("code", "")[:20],
        ), 404
    return redirect(url_for("questions.participant", slug=seance.slug), 303)
