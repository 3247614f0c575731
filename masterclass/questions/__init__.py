"""Live questions: participants ask from their phones, the room votes, the screen shows."""

from flask import Blueprint

bp = Blueprint("questions", __name__)

from . import routes  # noqa: E402,F401  (views register on the blueprint above)
