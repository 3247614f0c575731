"""Moderation: séances authored and run by moderators and admins."""

from flask import Blueprint

from ..accounts.permissions import require_roles

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
MODERATION_ROLES = ("admin", "moderator")
require_roles(bp, *MODERATION_ROLES)

from . import fiche_routes, record_routes, routes  # noqa: E402,F401  (views register on the blueprint above)
