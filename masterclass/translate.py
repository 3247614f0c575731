"""``flask translate extract|update|compile``: the interface's catalogues (microblog's model).

French is the source language (the strings in the code); ``translations/fr`` holds its plural
rule, ``translations/en`` the English. ``update`` extracts the strings and merges them into
both catalogues (new strings arrive untranslated, fuzzy ones flagged); translate the English
``messages.po``, then ``compile`` makes the ``.mo`` files the app loads (committed, so a fresh
clone runs without a build step; ``tests/test_i18n.py`` fails when they are stale).
"""

import io
import tempfile
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[1]
DIRECTORY = ROOT / "masterclass" / "translations"
LANGUAGES = ("fr", "en")
KEYWORDS = ("_", "_l", "gettext", "ngettext:1,2", "lazy_gettext", "lazy_ngettext:1,2")

translate = AppGroup("translate", help="Extract, update and compile the interface's catalogues.")


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(pot: Path) -> None:
    """Every interface string of the code and templates, into the template ``pot``."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), "--no-location", "--sort-output", "--no-wrap",
            "--project", "masterclass", "--copyright-holder", "masterclass", *keywords,
            "-o", str(pot), str(ROOT / "masterclass"), str(ROOT / "templates"))


def po_path(lang: str) -> Path:
    return DIRECTORY / lang / "LC_MESSAGES" / "messages.po"


def compiled(po: Path) -> bytes:
    """The .mo a catalogue compiles to (fuzzy entries left out, as pybabel does)."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parts[-3])
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


@translate.command("extract")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              default=DIRECTORY / "messages.pot", show_default=True)
def extract_command(output: Path) -> None:
    """Extract the strings into a template (.pot)."""
    extract(output)
    click.echo(f"Extracted into {output}")


@translate.command("update")
def update_command() -> None:
    """Extract, then merge the strings into every language's catalogue."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract(pot)
        for lang in LANGUAGES:
            if po_path(lang).exists():
                pybabel("update", "-i", str(pot), "-d", str(DIRECTORY), "-l", lang, "--no-wrap",
                        "--ignore-obsolete", "--ignore-pot-creation-date")
            else:
                pybabel("init", "-i", str(pot), "-d", str(DIRECTORY), "-l", lang, "--no-wrap")
    click.echo("Catalogues updated: translate the new strings of "
               f"{po_path('en').relative_to(ROOT)}, then run `flask translate compile`.")


@translate.command("compile")
def compile_command() -> None:
    """Compile every catalogue into the .mo files the app loads."""
    for lang in LANGUAGES:
        po = po_path(lang)
        po.with_suffix(".mo").write_bytes(compiled(po))
    click.echo("Catalogues compiled.")


def init_app(app) -> None:
    app.cli.add_command(translate)
