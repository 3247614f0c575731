"""Production entry point: ``gunicorn wsgi:app`` (see README)."""

from masterclass import create_app

app = create_app(web_only=True)
