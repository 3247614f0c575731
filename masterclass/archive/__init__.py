from flask import Blueprint

bp = Blueprint("archive", __name__)

from . import feeds, routes  # noqa: E402,F401  (views register on the blueprint above)
