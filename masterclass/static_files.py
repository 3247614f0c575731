"""Static files, served by WhiteNoise before Flask.

- Compressed once: `name.gz` beside each text file (a phone's first visit on weak Wi-Fi is
  ~25 KB instead of ~80), written when the app is set up (`flask db upgrade`, `make run`,
  the tests), not by the web workers, which serve what they find.
- Versioned URLs: `url_for("static", ...)` adds `?v=` and a digest of the file's content, so
  browsers keep a file for a year and fetch it again only when it changes.
"""

import hashlib
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask, *, compress: bool) -> None:
    root = Path(app.static_folder)
    files = [path for path in sorted(root.rglob("*")) if path.is_file() and path.suffix not in (".gz", ".br")]
    if compress:
        _compress(files, app)
    versions = {path.relative_to(root).as_posix(): _digest(path) for path in files}

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in versions:
            values.setdefault("v", versions[values["filename"]])

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(root), prefix=app.static_url_path,
                              max_age=ONE_YEAR, autorefresh=app.debug, add_headers_function=_headers)


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
