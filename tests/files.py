"""A corpus of small real files, and disguised ones, for upload tests."""

import io
import struct
import zipfile
import zlib


def pdf(text: str = "fiche") -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def odf(mimetype: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def ooxml(main_part: str, content_type: str = "application/vnd.openxmlformats") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{content_type}"/></Types>')
        archive.writestr(main_part, "<document/>")
    return out.getvalue()


GOOD = {
    "fiche.pdf": (pdf(), "application/pdf", "PDF"),
    "schéma.png": (png(), "image/png", "PNG"),
    "photo.JPG": (jpeg(), "image/jpeg", "JPEG"),
    "compte-rendu.odt": (odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text", "ODT"),
    "budget.ods": (odf("application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    "diapos.odp": (odf("application/vnd.oasis.opendocument.presentation"), "application/vnd.oasis.opendocument.presentation", "ODP"),
    "note.docx": (ooxml("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "tableau.xlsx": (ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "support.pptx": (ooxml("ppt/presentation.xml"), "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPTX"),
}

DISGUISED = {
    "page.pdf": b"<html><body><script>alert(document.cookie)</script></body></html>",
    "programme.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64,
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "logo.png": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "vide.pdf": b"",
    "fiche.php.pdf": pdf("double"),
    "fiche.pdf.exe": pdf("exe"),
    "script.html": b"<script>alert(1)</script>",
    "archive.docx": ooxml("other/thing.xml"),
    "plain.zip": ooxml("word/document.xml"),
    "faux.odt": odf("text/html"),
    "macro.docx": ooxml("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    "image.png": pdf("mismatch"),
    "sans-extension": pdf("noext"),
    ".pdf": pdf("dotonly"),
    "shell.sh": b"#!/bin/sh\nrm -rf /\n",
}


def _zip(members) -> bytes:
    """A zip written by hand from (name, deflated or stored payload, crc, size, method)."""
    out, central = io.BytesIO(), []
    for name, payload, crc, size, method in members:
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(payload),
                              size, len(name), 0) + name + payload)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc,
                                   len(payload), size, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))
    return out.getvalue()


def zip_bomb_docx(mib: int = 1024, declared_size: int | None = None) -> bytes:
    """A real .docx whose [Content_Types].xml inflates to ``mib`` MiB of zeros (1 GiB: about
    1 MB on disk), built in a third of a second: one fully flushed deflate block of 1 MiB of
    zeros is the same bytes every time, so the stream is that block repeated. The CRC is right,
    so the archive is valid; ``declared_size`` lets the headers lie about the inflated size."""
    zeros = bytes(1 << 20)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = block.compress(zeros) + block.flush(zlib.Z_FULL_FLUSH)
    stream = block * mib + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    size = mib << 20 if declared_size is None else declared_size
    document = b"<document/>"
    return _zip([(b"[Content_Types].xml", stream, crc, size, 8),
                 (b"word/document.xml", document, zlib.crc32(document), len(document), 0)])
