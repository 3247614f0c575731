"""Favourites: séances and fiches a visitor keeps, without an account."""

from flask import Blueprint

bp = Blueprint("favourites", __name__)


@bp.app_template_global()
def favourites_count() -> int:
    """For the header: how many things this visitor keeps (one query, only when they have a token)."""
    from .services import count_for_visitor

    return count_for_visitor()
