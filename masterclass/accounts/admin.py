"""Admins manage accounts on one page: list, create, deactivate, reset a password."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from . import admin_bp, services
from .forms import AccountActionForm, CreateModeratorForm
from .models import User
from .permissions import require_roles

require_roles(admin_bp, "admin")


@admin_bp.route("/utilisateurs", methods=["GET", "POST"])
def users():
    form = CreateModeratorForm()
    action = request.form.get("action", "create") if request.method == "POST" else None
    if action == "create" and form.validate_on_submit():
        email = services.normalise_email(form.email.data)
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            form.email.errors.append(_("Un compte existe déjà avec cette adresse."))
        else:
            password = form.password.data or services.generate_password()
            services.create_or_update_user(email, form.role.data, password)
            created = _("Compte créé pour %(email)s.", email=email)
            if not form.password.data:
                # Shown in this response only: a flash would keep it in the session cookie
                # (signed, not encrypted) until the next page.
                return _page_with_secret(created, _("Mot de passe à transmettre : %(password)s",
                                                    password=password), 201)
            flash(created, "success")
            return redirect(url_for("admin.users"), 303)
    elif action in ("deactivate", "activate", "reset"):
        return _account_action(action)
    elif action is not None and action != "create":
        abort(400)
    status = 400 if form.errors else 200
    return render_template("accounts/users.html", form=form, users=services.list_users(),
                           action_form=AccountActionForm()), status


def _page_with_secret(message: str, secret: str, status: int):
    """The accounts page with a generated password in it, never stored by anyone: not in the
    session, not in a cache (no-store)."""
    response = make_response(render_template(
        "accounts/users.html", form=CreateModeratorForm(formdata=None), users=services.list_users(),
        action_form=AccountActionForm(), message=message, secret=secret), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _account_action(action: str):
    if not AccountActionForm().validate_on_submit():
        abort(400)
    try:
        user_id = int(request.form.get("user_id", ""))
    except ValueError:
        abort(400)
    if user_id == current_user.id and action == "deactivate":
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
        return redirect(url_for("admin.users"), 303)
    if action == "reset":
        user, password = services.reset_password(user_id)
        user or abort(404)
        return _page_with_secret(
            _("Mot de passe de %(email)s réinitialisé.", email=user.email),
            _("Nouveau mot de passe de %(email)s : %(password)s", email=user.email, password=password),
            200)
    else:
        user = services.set_active(user_id, action == "activate")
        user or abort(404)
        if action == "activate":
            flash(_("Compte %(email)s réactivé.", email=user.email), "success")
        else:
            flash(_("Compte %(email)s désactivé : il ne peut plus se connecter.", email=user.email),
                  "success")
    return redirect(url_for("admin.users"), 303)
