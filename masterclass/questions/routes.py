from flask import abort, current_app, make_response, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from .. import faults, i18n, page_cache
from ..errors import recovers_from_faults
from ..extensions import db, limiter
from ..htmx import answer, conditional, fragment_etag, not_modified, render
from ..participants import (
    current_participant_version,
    current_token,
    participant_key,
)
from ..seances.models import Seance
from ..seances.services import get_published
from ..security import INSECURE_TRANSPORT, cookies_cannot_come_back, csrf_refused
from . import bp, live_cache, services
from .forms import QuestionForm
from .models import Question
from .services import QuestionError

MESSAGES = {
    "closed": _l("Les questions sont fermées pour cette séance. Votre texte n'a pas été envoyé."),
    "unknown": _l("Cette question n'existe pas."),
    "not_public": _l("On ne peut voter que pour les questions retenues par l'équipe."),
    "sent": _l("Merci ! Votre question est envoyée : elle apparaîtra après relecture par l'équipe."),
    "too_many": _l("Vous avez envoyé beaucoup de questions d'un coup. Patientez une minute : "
                   "votre texte est gardé ci-dessous."),
    "busy": _l("Beaucoup de questions arrivent en même temps : la vôtre n'est pas encore partie. "
                "Elle est gardée ci-dessous ; renvoyez-la dans un instant."),
    "kept": _l("Votre question est gardée ci-dessous."),
    "expired": _l("La page était ouverte depuis longtemps : vérifiez votre question et renvoyez-la."),
}

# How each refusal a participant may meet is answered (the view's choice, not the service's).
REFUSAL_STATUS = {"closed": 403, "not_public": 409}


def _sort() -> str:
    return services.parse_sort(request.args.get("tri"))


def _published_or_404(slug: str) -> Seance:
    return get_published(slug) or abort(404)


def _live_context(seance: Seance, sort: str) -> dict:
    """The live list, the same for every phone (its own parts are holes: live_cache)."""
    return {"room_html": None if sort == "miennes" else live_cache.room_html(seance, sort), "sort": sort}


def _live_etag(seance: Seance, sort: str) -> str:
    """The room's version, the way the phone reads it, and the phone's own version."""
    return live_cache.live_etag(seance.version, sort, current_participant_version())


def _participant_page(seance: Seance, form: QuestionForm, status: int = 200, message=None,
                      message_kind="error"):
    """The participant page, or its question box alone for htmx's form posts."""
    return render("questions/participant.html", "questions/_ask.html", status=status,
                  page_context=lambda: {**_live_context(seance, _sort()), "with_etag": True},
                  seance=seance, form=form, message=message, message_kind=message_kind)


@bp.get("/seances/<slug>/questions")
def participant(slug: str):
    current_token()  # the participant cookie is set on the first visit
    return page_cache.serve(lambda: _participant_page(_published_or_404(slug), QuestionForm(formdata=None)),
                            live_slug=slug, overlaid=True)


def _too_many(_limit):
    seance = get_published(request.view_args["slug"])
    if seance is None:
        return None
    return _participant_page(seance, QuestionForm(), 429, MESSAGES["too_many"])


def fault_on_submit(_error, fault: faults.Fault):
    """The database could not take the question (busy, full, read-only): the form, text kept."""
    seance = get_published(request.view_args.get("slug", "")) if request.view_args else None
    if seance is None:
        return None
    message = MESSAGES["busy"] if fault is faults.BUSY else f"{fault.message} {MESSAGES['kept']}"
    return _participant_page(seance, QuestionForm(), fault.status, message)


# Per phone, and per address: a whole room shares one Wi-Fi, and 1,000 phones asking 10
# questions a second (the room `make bench` plays) must stay well under the address's limit.
@bp.post("/seances/<slug>/questions")
@limiter.limit("5 per minute", key_func=participant_key, on_breach=_too_many)
@limiter.limit("1800 per minute", on_breach=_too_many)
@recovers_from_faults(fault_on_submit)
def submit(slug: str):
    seance = _published_or_404(slug)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _participant_page(seance, form, 400)
    try:
        services.submit(seance.id, form.body.data, form.author.data)
    except QuestionError as error:
        db.session.expire(seance)  # closed meanwhile: the box shows it closed, the text kept
        # The closed box says it once itself; other refusals are said in a message.
        message = None if error.reason == "closed" else MESSAGES[error.reason]
        return _participant_page(seance, form, REFUSAL_STATUS[error.reason], message)
    # The asker's list shows the new question at once (its own version has moved).
    return answer(lambda: _participant_page(seance, QuestionForm(formdata=None), 200, MESSAGES["sent"],
                                            "success"),
                  url_for("questions.participant", slug=slug) + "#mes-questions",
                  message=MESSAGES["sent"], event="questions-changed")


@bp.errorhandler(CSRFError)
def csrf_failure(error: CSRFError):
    """The question form on a page left open for hours: given back with its text and a fresh token."""
    seance = get_published(request.view_args["slug"]) if request.endpoint == "questions.submit" else None
    if seance is None:
        return csrf_refused(error)
    current_app.logger.info("Question form re-offered after CSRF failure: %s", error.description)
    message = INSECURE_TRANSPORT if cookies_cannot_come_back() else MESSAGES["expired"]
    return _participant_page(seance, QuestionForm(), 400, message)


@bp.get("/seances/<slug>/questions/live")
def live(slug: str):
    sort = _sort()
    return page_cache.serve(lambda: _live(slug), live_slug=slug, overlaid=True,
                            etag=lambda version, own: live_cache.live_etag(version, sort, own))


def _live(slug: str):
    seance = _published_or_404(slug)
    sort = _sort()
    etag = _live_etag(seance, sort)
    cached = not_modified(etag)
    if cached is not None:
        return cached
    response = make_response(render_template("questions/_live.html", seance=seance,
                                             **_live_context(seance, sort)))
    return conditional(response, etag)


@bp.post("/questions/<int:question_id>/vote")
@limiter.limit("60 per minute", key_func=participant_key)
@limiter.limit("3000 per minute")
def vote(question_id: int):
    question = db.session.get(Question, question_id) or abort(404)
    back = url_for("questions.participant", slug=question.seance.slug) + f"#q-{question.id}"
    try:
        question, voted = services.toggle_vote(question_id)
    except QuestionError as error:
        if error.reason == "unknown":
            abort(404)
        message, status = MESSAGES[error.reason], REFUSAL_STATUS[error.reason]
        return answer(lambda: (render_template("questions/_vote_error.html", question=question,
                                               message=message), status),
                      back, message=message, category="error")
    return answer(lambda: render_template("questions/_vote.html", question=question, voted=voted,
                                          seance=question.seance),
                  back, event="questions-changed")


@bp.get("/seances/<slug>/ecran")
def screen(slug: str):
    return page_cache.serve(lambda: _screen(slug), live_slug=slug)


def _screen(slug: str):
    seance = _published_or_404(slug)
    etag = fragment_etag(seance.version, "screen")
    cached = not_modified(etag, fragment_only=True)
    if cached is not None:
        return cached
    items, total = services.screen_questions(seance.id)
    participant_url = _public_url(url_for("questions.participant", slug=slug))
    with i18n.language(seance.language):  # the room's screen speaks the séance's language
        return render("questions/screen.html", "questions/_screen_live.html", etag=etag, seance=seance,
                      pinned=services.pinned_question(seance.id), items=items, total=total,
                      participant_url=participant_url, join_url=_public_url(url_for("archive.home")))


def _public_url(path: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    return base + path


@bp.app_template_global()
def qr_svg(url: str):
    """An inline SVG QR code (segno), for the projector screen."""
    import segno  # lazy for start-up memory: loaded once a projector screen is drawn

    return Markup(segno.make(url, error="m").svg_inline(scale=8, border=2, omitsize=True))  # noqa: S704
