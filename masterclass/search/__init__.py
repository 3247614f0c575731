"""Search over published séances, approved questions and fiches."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from . import routes  # noqa: E402,F401  (views register on the blueprint above)
