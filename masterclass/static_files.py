"""Static files, served by WhiteNoise before Flask.

- Compressed once: `name.gz` beside each text file (a phone's first visit on weak Wi-Fi is
  ~25 KB instead of ~80), written when the app is set up (`flask db upgrade`, `make run`,
  the tests), not by the web workers, which serve what they find.
- Minified once: our own stylesheets and scripts are kept readable, with their comments, in
  `static/`; at the same set-up, rcssmin and rjsmin write a minified copy of each into
  `<instance>/static-min/` (a third lighter: ~4 KB less on a phone's first visit), stamped with
  its source's modification time. A copy is served in its source's place, under the same URL,
  only while that stamp matches: a source edited since is served as it is until the next set-up.
  Files already minified (htmx) are left alone; in debug mode the sources are served.
- Versioned URLs: `url_for("static", ...)` adds `?v=` and a digest of the content served, so
  browsers keep a file for a year and fetch it again only when it changes.
"""

import hashlib
import os
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask, *, compress: bool) -> None:
    root = Path(app.static_folder)
    built = Path(app.instance_path) / "static-min"
    files = [path for path in sorted(root.rglob("*")) if path.is_file() and path.suffix not in (".gz", ".br")]
    if compress:
        _minify(files, root, built, app)
    # What each URL serves: the minified copy while it is the source's, else the source.
    served = {path.relative_to(root).as_posix(): path for path in files}
    if not app.debug:
        served.update({name: built / name for name, path in served.items()
                       if _is_copy_of(built / name, path)})
    if compress:
        _compress(list(served.values()), app)
    versions = {name: _digest(path) for name, path in served.items()}

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in versions:
            values.setdefault("v", versions[values["filename"]])

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(root), prefix=app.static_url_path,
                              max_age=ONE_YEAR, autorefresh=app.debug, add_headers_function=_headers)
    for name, path in served.items():
        if path.is_relative_to(built):
            app.wsgi_app.add_file_to_dictionary(f"{app.static_url_path}/{name}", str(path))


MINIFIED = (".css", ".js")


def _minifiable(path: Path) -> bool:
    return path.suffix in MINIFIED and ".min." not in path.name


def _is_copy_of(copy: Path, source: Path) -> bool:
    try:
        return _minifiable(source) and copy.stat().st_mtime_ns == source.stat().st_mtime_ns
    except FileNotFoundError:
        return False


def _minify(files: list[Path], root: Path, built: Path, app: Flask) -> None:
    """Write a minified copy of each of our stylesheets and scripts that has none, or an old one."""
    import rcssmin  # lazy: the web workers never minify
    import rjsmin

    minifiers = {".css": rcssmin.cssmin, ".js": rjsmin.jsmin}
    for path in files:
        copy = built / path.relative_to(root)
        if not _minifiable(path) or _is_copy_of(copy, path):
            continue
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            text = minifiers[path.suffix](path.read_text(encoding="utf-8"))
            partial = copy.with_name(f".{copy.name}.{os.getpid()}")
            partial.write_text(text, encoding="utf-8")
            stat = path.stat()
            os.utime(partial, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the stamp: this source
            os.replace(partial, copy)  # whole or not at all, for a worker starting now
            # Its old .gz goes: the copy's time is its source's, maybe older than that .gz (a
            # deployment that keeps files' times), which would then look current.
            copy.with_name(copy.name + ".gz").unlink(missing_ok=True)
        except OSError as error:  # a read-only instance: the sources are served
            app.logger.warning("static files not minified: %s", error)
            return


def _headers(headers, _path: str, _url: str) -> None:
    # What Flask adds to its own responses (security.py) and that matters for a file.
    headers["X-Content-Type-Options"] = "nosniff"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _compress(files: list[Path], app: Flask) -> None:
    """Write `name.gz` for each compressible file that has none, or an older one."""
    compressor = Compressor(use_brotli=False, quiet=True)
    for path in files:
        packed = path.with_name(path.name + ".gz")
        if not compressor.should_compress(path.name):
            continue
        if packed.exists() and packed.stat().st_mtime >= path.stat().st_mtime:
            continue
        try:
            compressor.compress(str(path))
        except OSError as error:  # a read-only install: files are served uncompressed
            app.logger.warning("static files not compressed: %s", error)
            return
