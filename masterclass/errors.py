"""French error pages (HTML, or the fragment alone for htmx)."""

import functools
import sqlite3

from flask import Flask, current_app, make_response, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import DataError, InterfaceError, InternalError, OperationalError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    default_exceptions,
)

from . import faults
from .db import FastReadError
from .extensions import db
from .htmx import render
from .inputs import is_nul_refusal

MESSAGES = {
    400: (_l("Requête invalide"),
          _l("La demande n'a pas pu être comprise. Rechargez la page et réessayez.")),
    403: (_l("Accès refusé"), _l("Votre compte n'a pas le droit d'ouvrir cette page.")),
    404: (_l("Page introuvable"),
          _l("Cette page n'existe pas, ou plus. Vérifiez l'adresse ou repartez de l'accueil.")),
    405: (_l("Méthode non autorisée"), _l("Cette adresse ne s'utilise pas ainsi.")),
    413: (_l("Fichier trop volumineux"), _l("Le fichier envoyé dépasse la taille autorisée.")),
    429: (_l("Trop de demandes"),
          _l("Vous êtes allé un peu vite. Patientez une minute puis réessayez.")),
    500: (_l("Erreur du serveur"),
          _l("Un problème est survenu de notre côté. Il a été signalé ; réessayez dans un instant.")),
    503: (_l("Service momentanément indisponible"),
          _l("Le site est très sollicité. Réessayez dans quelques secondes.")),
}


def render_error(code: int, message: str | None = None, **context):
    """The error page, or its message alone for htmx (swapped where the answer was awaited)."""
    title, default = MESSAGES.get(code, (_l("Erreur"), _l("Une erreur est survenue.")))
    return render("errors/error.html", "errors/_error.html", status=code, code=code, title=title,
                  message=message or default, **context)


# Faults of the disk or the database (faults.classify says which of these are).
FAULT_ERRORS = (OperationalError, InterfaceError, InternalError,  # InternalError: a read-only standby
                sqlite3.OperationalError, FastReadError, OSError)


def recovers_from_faults(recover):
    """A view holding a form: a fault of the disk or the database while it runs is answered by
    ``recover(error, fault)`` (the form again, with what was typed, or None for the error page),
    with the fault's status and Retry-After."""
    def decorate(view):
        @functools.wraps(view)
        def recovering(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except FAULT_ERRORS as error:
                response = fault_response(error, recover)
                if response is None:
                    raise
                return response
        return recovering
    return decorate


def is_busy(error: Exception) -> bool:
    """SQLite answered "database is locked/busy" even after waiting busy_timeout."""
    return faults.is_busy(error)


def fault_response(error: BaseException, recover=None):
    """The answer to a fault of the disk or the database (faults.py), or None for other errors:
    ``recover``'s page (``recovers_from_faults``) when it gives one, else the error page."""
    fault = faults.classify(error)
    if fault is None:
        return None
    try:
        db.session.rollback()  # whatever the failed write left; the page below reads
    except Exception:  # noqa: S110  (the database may be unreachable: the page is still answered)
        pass
    log = current_app.logger.warning if fault is faults.BUSY else current_app.logger.error
    log("%s on %s %s: %s", fault.kind, request.method, request.path, error)
    response = None
    if recover is not None:
        try:
            response = recover(error, fault)
        except Exception:  # the form's page needed what failed: the plain page then
            current_app.logger.exception("Recovery page failed to render")
            db.session.rollback()
    if response is None:
        try:
            response = render_error(fault.status, fault.message)
        except Exception:  # the layout needed what failed (the signed-in account...): plain words
            current_app.logger.exception("Error page failed to render")
            response = make_response(plain_page(MESSAGES[503][0], fault.message), fault.status)
    response.headers.update(fault.headers)
    return response


def plain_page(title, message) -> str:
    """A page without the layout (which may need the database), for when nothing else renders."""
    return ('<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
            f'<p>{escape(message)}</p><p><a href="/">Retour à l’accueil</a></p></body></html>')


def _plain(code: int) -> tuple[str, int, dict]:
    """The plain page for an HTTP error, when the layout cannot be rendered (a database down, or
    a Host header outside TRUSTED_HOSTS: then no URL of the site can be built)."""
    title, message = MESSAGES.get(code, (_l("Erreur"), _l("Une erreur est survenue.")))
    return plain_page(title, message), code, {"Content-Type": "text/html; charset=utf-8"}


def init_app(app: Flask) -> None:
    def _fault(error):
        response = fault_response(error)
        if response is None:
            raise error
        return response

    for error_class in FAULT_ERRORS:
        app.register_error_handler(error_class, _fault)


    @app.errorhandler(DataError)
    def _data_error(error):
        if not is_nul_refusal(error):
            raise error
        db.session.rollback()
        return render_error(400, _l("La demande contient un caractère invalide (NUL) : retirez-le et "
                                    "réessayez."))

    app.register_error_handler(RequestEntityTooLarge, lambda _error: render_error(413))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.response is not None:  # a response made on purpose (rate-limit breach...)
            return error.response
        if request_ctx.url_adapter is None:  # the Host is not one the site answers to
            return _plain(error.code)
        message = getattr(error, "french_message", None)
        response = render_error(error.code, message)
        if error.code == 503:
            response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        # Flask has already logged the exception with its traceback.
        try:
            return render_error(500)
        except Exception:  # the layout itself failed (database down...): plain words
            app.logger.exception("Error page failed to render")
            return _plain(500)


def abort_fr(code: int, message: str):
    """Abort with a French message of our own on the error page."""
    error = default_exceptions[code]()
    error.french_message = message
    raise error
