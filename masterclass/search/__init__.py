"""Search over published séances, approved questions and fiches."""

from flask import Blueprint

bp = Blueprint("search", __name__)
