"""masterclass: a lightweight CMS for master classes citoyennes."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    cli,
    errors,
    formatting,
    htmx,
    i18n,
    inputs,
    models,  # noqa: F401  (every model registered before use)
    page_cache,
    participants,
    security,
    static_files,
)
from . import config as config_module
from . import db as _sqlite_setup  # noqa: F401  (connection listeners)
from .accounts import admin_bp
from .accounts import bp as accounts_bp
from .accounts.services import load_user
from .archive import bp as archive_bp
from .db import FastReader
from .extensions import babel, csrf, db, limiter, login_manager
from .favourites import bp as favourites_bp
from .favourites import services as favourites_services
from .fiches import bp as fiches_bp
from .fiches.services import prepare_upload_dir
from .front import Front
from .health import bp as health_bp
from .moderation import bp as moderation_bp
from .questions import bp as questions_bp
from .questions.fastpoll import ConditionalPoll
from .search import bp as search_bp
from .search import index as search_index
from .sessions import SessionInterface

BLUEPRINTS = (archive_bp, fiches_bp, favourites_bp, health_bp, accounts_bp, admin_bp, moderation_bp,
              questions_bp, search_bp)


def create_app(test_config: dict | None = None, *, web_only: bool = False) -> Flask:
    """The app. ``web_only``: for a web server's workers (wsgi.py), without the migration
    commands: Alembic and what it loads stay out of every worker (6 MB each)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.session_interface = SessionInterface()

    # Smaller pages for weak Wi-Fi: no blank lines left by template tags.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.from_object(config_module.Config)
    app.config.from_prefixed_env("MASTERCLASS")
    if test_config:
        app.config.update(test_config)
    config_module.finish(app.config, app.instance_path, production=not (app.debug or app.testing))

    _init_extensions(app, migrations=not web_only)
    _register_blueprints(app)

    errors.init_app(app)
    htmx.init_app(app)
    page_cache.init_app(app)
    participants.init_app(app)
    search_index.init_app(app)
    favourites_services.init_app(app)
    formatting.init_app(app)
    security.init_app(app)
    cli.init_app(app)

    prepare_upload_dir(Path(app.config["UPLOAD_DIR"]), app.logger)

    reader = app.extensions["fast_reader"] = FastReader(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args"))
    # The unchanged poll outside the shared pages' layer: a 304 never costs a page's filling.
    app.wsgi_app = ConditionalPoll(Front(app, app.wsgi_app, reader), reader)
    inputs.init_app(app)
    static_files.init_app(app, compress=not web_only)  # outermost: a file never reaches the layers above
    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def _init_extensions(app: Flask, migrations: bool) -> None:
    db.init_app(app)
    if migrations:
        from flask_migrate import Migrate  # lazy for start-up memory: Alembic stays out of web workers

        Migrate(app, db, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.current)
    # Templates: one catalogue per language, loaded once per process and chosen per request
    # (Flask-Babel would look it up on every string, ~30 µs each, hundreds per live list).
    i18n.init_app(app)
    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
