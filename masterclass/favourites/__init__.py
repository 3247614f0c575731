"""Favourites: séances and fiches a visitor keeps, without an account."""

from flask import Blueprint

bp = Blueprint("favourites", __name__)

from . import routes  # noqa: E402,F401  (views register on the blueprint above)
