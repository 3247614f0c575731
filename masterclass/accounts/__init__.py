"""Accounts: moderators and admins log in; admins manage accounts."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import admin, routes  # noqa: E402,F401  (views register on the blueprints above)
