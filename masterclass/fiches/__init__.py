from flask import Blueprint

bp = Blueprint("fiches", __name__)
