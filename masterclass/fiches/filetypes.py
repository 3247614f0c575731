"""What a fiche may be, decided by the file's content and its extension together
(never by the browser's Content-Type): OWASP File Upload Cheat Sheet."""

import zipfile
from pathlib import Path

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

EXTENSIONS = {
    "pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG,
    "odt": ODT, "ods": ODS, "odp": ODP, "docx": DOCX, "xlsx": XLSX, "pptx": PPTX,
}
# The part of an OOXML package that says which kind it is.
OOXML_MAIN_PART = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml", PPTX: "ppt/presentation.xml"}
# An inner extension a server or a browser might run: "fiche.php.pdf", "rapport.html.docx".
RISKY_INNER = {"php", "phtml", "php5", "html", "htm", "xhtml", "shtml", "js", "mjs", "svg", "exe",
               "dll", "com", "bat", "cmd", "sh", "bash", "py", "pl", "cgi", "asp", "aspx", "jsp",
               "jar", "msi", "scr", "vbs", "ps1", "hta", "lnk", "war"}


# Archive members the check reads (OpenDocument "mimetype", OOXML "[Content_Types].xml"): each
# bounded by its declared size, its compression ratio and the bytes actually inflated, so a
# zip bomb costs a few kilobytes of reading, never the worker's memory.
MIMETYPE_MAX = 100
CONTENT_TYPES_MAX = 1_000_000
MAX_RATIO = 200  # real XML deflates 5 to 20 times; a bomb, a thousand times
READ_CHUNK = 64 * 1024


class Refused(Exception):
    """The file is not accepted; ``reason`` names why (worded by the view)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def clean_original_name(name: str) -> str:
    """The name to keep as metadata: no path parts, no control characters, 255 at most."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot else name[:255]
    return name


def detect(path: Path, original_name: str) -> str:
    """The MIME type of an accepted file, or Refused."""
    name = original_name.lower()
    parts = name.split(".")
    if len(parts) < 2 or not parts[0]:
        raise Refused("type")
    extension = parts[-1]
    if any(part in RISKY_INNER for part in parts[1:-1]):
        raise Refused("double_extension")
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise Refused("type")
    if path.stat().st_size == 0:
        raise Refused("empty")
    with path.open("rb") as fh:
        head = fh.read(16)
    if expected == PDF and head.startswith(b"%PDF-"):
        return PDF
    if expected == PNG and head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if expected == JPEG and head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if expected in (ODT, ODS, ODP) and head.startswith(b"PK\x03\x04") and _odf_type(path) == expected:
        return expected
    if expected in OOXML_MAIN_PART and head.startswith(b"PK\x03\x04") and _is_ooxml(path, expected):
        return expected
    raise Refused("content")


def _odf_type(path: Path) -> str | None:
    # OpenDocument: the first member is "mimetype", stored, holding the type.
    try:
        with zipfile.ZipFile(path) as archive:
            first = archive.infolist()[0]
            if first.filename != "mimetype":
                return None
            return _read_bounded(archive, first, MIMETYPE_MAX).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, IndexError, OSError, RuntimeError):
        return None


def _is_ooxml(path: Path, expected: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or OOXML_MAIN_PART[expected] not in names:
                return False
            types = _read_bounded(archive, archive.getinfo("[Content_Types].xml"), CONTENT_TYPES_MAX)
            # Macro-enabled documents (docm, xlsm...) declare a different main content type.
            return b"macroEnabled" not in types
    except (zipfile.BadZipFile, OSError, RuntimeError, KeyError):
        return False


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """One member, refused ("archive") when its declared size or compression ratio is absurd,
    read in chunks and refused as soon as more than ``limit`` bytes come out (the headers may
    lie about the size)."""
    if info.file_size > limit or info.file_size > MAX_RATIO * max(info.compress_size, 1) + 1024:
        raise Refused("archive")
    data = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(READ_CHUNK):
            data += chunk
            if len(data) > limit:
                raise Refused("archive")
    return bytes(data)
