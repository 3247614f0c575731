from flask import Blueprint

bp = Blueprint("fiches", __name__)

from . import routes  # noqa: E402,F401  (views register on the blueprint above)
