from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from ..extensions import limiter
from ..security import INSECURE_TRANSPORT, cookies_cannot_come_back, csrf_refused
from . import bp, services
from .forms import LoginForm
from .permissions import safe_next

# Sign-in throttles, counted in Flask-Limiter's storage (per worker in memory by default; shared
# by every worker and server with MASTERCLASS_RATELIMIT_STORAGE_URI=redis://...). Failures only.
# Per account *and* address: a stranger guessing an account's password is slowed down without
# locking its owner out, who signs in from another address. Per address: one address trying
# many accounts is slowed down as a whole.
ACCOUNT_AND_ADDRESS_LIMIT = "5 per minute"
ADDRESS_LIMIT = "30 per minute"


def _client_address() -> str:
    # Behind a proxy, ProxyFix (MASTERCLASS_PROXY_COUNT) has set remote_addr from X-Forwarded-For.
    return request.remote_addr or "unknown"


def _login_account_address() -> str:
    email = services.normalise_email(request.form.get("email", ""))[:254]
    return f"login:{email}|{_client_address()}"


def _login_address() -> str:
    return "login-address:" + _client_address()


def _failed(response) -> bool:
    return response.status_code != 302


def _too_many_attempts(_limit):
    form = LoginForm()
    message = _("Trop de tentatives de connexion. Patientez une minute avant de réessayer.")
    return make_response(render_template("accounts/login.html", form=form, error=message), 429)


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(ACCOUNT_AND_ADDRESS_LIMIT, key_func=_login_account_address, methods=["POST"],
               deduct_when=_failed, on_breach=_too_many_attempts)
@limiter.limit(ADDRESS_LIMIT, key_func=_login_address, methods=["POST"], deduct_when=_failed,
               on_breach=_too_many_attempts)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        if current_user.is_authenticated and form.next.data:
            return redirect(form.next.data)
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            services.record_login(user)
            flash(_("Vous êtes connecté."), "success")
            return redirect(safe_next(form.next.data) or url_for("moderation.dashboard"))
        error = _("Adresse e-mail ou mot de passe incorrect.")
    status = 401 if error else (400 if form.errors else 200)
    return render_template("accounts/login.html", form=form, error=error), status


@bp.post("/deconnexion")
@login_required
def logout():
    services.end_sessions(current_user.id)  # copies of this cookie, other devices: all ended
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("archive.home"))


@bp.errorhandler(CSRFError)
def csrf_failure(error: CSRFError):
    """The sign-in form comes back with the e-mail kept and what went wrong in words."""
    if request.endpoint != "accounts.login":
        return csrf_refused(error)
    message = (INSECURE_TRANSPORT if cookies_cannot_come_back()
               else _("La page de connexion était ouverte depuis longtemps : reconnectez-vous."))
    return make_response(render_template("accounts/login.html", form=LoginForm(), error=message), 400)
