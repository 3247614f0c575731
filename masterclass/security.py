"""Security headers on every response."""

from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from .errors import abort_fr, render_error

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Hosts browsers trust as secure over plain http (Secure cookies still go back to them).
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
INSECURE_TRANSPORT = _l(
    "Ce site est servi en http simple, sans chiffrement, alors qu'il est réglé pour ne renvoyer son "
    "cookie de session qu'en https : votre navigateur ne le renvoie donc pas, et aucun formulaire ne "
    "peut être vérifié. Ouvrez le site en https (derrière un proxy qui fournit le chiffrement), ou, "
    "sur un réseau local de confiance seulement, démarrez-le avec MASTERCLASS_SESSION_COOKIE_SECURE=false.")


def cookies_cannot_come_back() -> bool:
    """Secure session cookies, served over plain http to a host browsers do not treat as secure:
    the session (hence the CSRF token) never comes back, and every form would fail."""
    if not current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure:
        return False
    host = request.host.lower()
    host = host[: host.index("]") + 1] if host.startswith("[") else host.rsplit(":", 1)[0]
    return host not in LOOPBACK_HOSTS and not host.endswith(".localhost")


def _reject_undecodable_forms():
    """A form body that is not UTF-8 is refused whole (Werkzeug would keep the bytes as
    "%FF" text). Runs before CSRF parsing; the body is cached for the form parser."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return None
    raw = request.get_data(cache=True)
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        abort_fr(400, _("Le texte envoyé contient des caractères invalides. Retapez-le simplement."))
    return None


def csrf_refused(_error: CSRFError):
    """A form posted without a valid token: what to do, in words (a blueprint's own handler may
    give its form back instead)."""
    if cookies_cannot_come_back():
        return render_error(400, INSECURE_TRANSPORT)
    return render_error(400, _l("Votre session a expiré ou le formulaire était incomplet : "
                                "rechargez la page et recommencez."))


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_refused)
    app.jinja_env.globals["cookies_cannot_come_back"] = cookies_cannot_come_back
    app.jinja_env.globals["INSECURE_TRANSPORT"] = INSECURE_TRANSPORT
    app.before_request_funcs.setdefault(None, []).insert(0, _reject_undecodable_forms)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
