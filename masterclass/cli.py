"""Command line: flask --app masterclass <command>."""

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.engine import make_url

from . import generation, translate
from .accounts.models import ROLES, User
from .accounts.services import create_or_update_user, generate_password
from .copy_database import CopyError, copy_database
from .db import BackupError, backup_postgresql, backup_sqlite, write_transaction
from .demo import demo_room, load_demo
from .extensions import db
from .generate import generate
from .models_base import local_now
from .seances.models import Seance
from .search.index import rebuild

DEMO_MODERATOR = "moderateur@example.org"


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(load_demo_command)
    app.cli.add_command(demo_moderator)
    app.cli.add_command(demo_room_command)
    app.cli.add_command(backup)
    app.cli.add_command(copy_database_command)
    app.cli.add_command(reindex)
    app.cli.add_command(generate_archive)
    translate.init_app(app)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
def create_user(email: str, role: str, password: str) -> None:
    """Create an account, or update its role and password."""
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("adresse e-mail invalide", param_hint="EMAIL")
    if len(password) < 8:
        raise click.BadParameter("8 caractères au moins", param_hint="--password")
    user, created = create_or_update_user(email, role, password)
    click.echo(f"{'Created' if created else 'Updated'} {user.role} {user.email}")


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no séance at all.")
def load_demo_command(if_empty: bool) -> None:
    """Load the demo séance (16 May, Anzin); does nothing when it is already there."""
    if if_empty and db.session.scalar(select(Seance.id).limit(1)) is not None:
        click.echo("The database already has séances: demo not loaded.")
        return
    click.echo("Demo séance loaded." if load_demo() else "Demo séance already there.")


@click.command("demo-moderator")
def demo_moderator() -> None:
    """Ensure the demo moderator exists, with a freshly generated password (printed)."""
    existing = db.session.scalar(select(User).where(User.email == DEMO_MODERATOR))
    if existing is not None and existing.role == "admin":
        click.echo(f"{DEMO_MODERATOR} is an admin account: left untouched.")
        return
    password = generate_password()
    create_or_update_user(DEMO_MODERATOR, "moderator", password)
    click.echo(f"Demo moderator: {DEMO_MODERATOR}  password: {password}")


@click.command("demo-room")
@click.option("--base-url", help="Where phones reach the site (default: MASTERCLASS_PUBLIC_URL, "
              "else http://127.0.0.1:5000).")
def demo_room_command(base_url: str | None) -> None:
    """Ensure an open séance of today (demo), and print how to join it."""
    seance = demo_room(local_now().date())
    base = (base_url or current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    click.echo(f"Open séance of today: {seance.title}")
    click.echo(f"  phones:     {base}/seances/{seance.slug}/questions")
    click.echo(f"  join code:  {seance.join_code}   (typed on {base}/)")
    click.echo(f"  projector:  {base}/seances/{seance.slug}/ecran")
    click.echo(f"  moderation: {base}/moderation/seances/{seance.slug}/questions")


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False))
def backup(dest: str) -> None:
    """Consistent copy of the database while the site runs, then a check: SQLite's online backup
    and integrity check; on PostgreSQL pg_dump (custom format) checked by pg_restore --list."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        if url.get_backend_name() == "postgresql":
            entries = backup_postgresql(url, dest)
            summary = f"{entries} entries, pg_restore --list: ok"
        else:
            summary = f"{backup_sqlite(url, dest)} pages, integrity check: ok"
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    current_app.logger.info("Backup written to %s", dest)
    click.echo(f"Backup written to {dest} ({summary})")


@click.command("copy-database")
@click.option("--from", "source", required=True, metavar="URL",
              help="The site to copy, e.g. sqlite:///instance/masterclass.db")
def copy_database_command(source: str) -> None:
    """Copy a whole SQLite site into the configured, empty, migrated PostgreSQL database."""
    try:
        copied = copy_database(source, db.engine)
    except CopyError as error:
        raise click.ClickException(str(error)) from error
    for table, count in copied.items():
        click.echo(f"  {table}: {count}")
    click.echo(f"Copied {source} into the configured database; counts checked, search rebuilt.")


@click.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the séances, questions and fiches."""
    with write_transaction() as session:
        rows = rebuild(session)
        generation.bump(session)
    click.echo(f"Search index rebuilt: {rows} entries.")


@click.command("generate-archive")
@click.option("--seances", type=click.IntRange(1, 100_000), default=100)
@click.option("--questions", type=click.IntRange(0, 1_000_000), default=1000,
              help="Questions in all, spread evenly over the séances.")
def generate_archive(seances: int, questions: int) -> None:
    """Add a made-up archive (published séances, approved questions), for benchmarks."""
    total = generate(seances, questions // seances)
    click.echo(f"Archive now holds {total} séances.")
