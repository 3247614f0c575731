"""Static files served gzip-compressed to browsers that accept it (weak Wi-Fi: a phone's
first visit is ~25 KB instead of ~80). Compressed once per file version, kept in memory."""

import gzip
import io
import mimetypes
import os

from flask import Flask, request, send_file, send_from_directory

COMPRESSIBLE = (".js", ".css", ".svg")
_cache: dict[tuple[str, float], bytes] = {}


class MasterclassFlask(Flask):
    def send_static_file(self, filename: str):
        path = os.path.join(self.static_folder, filename)
        accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
        if not (accepts_gzip and filename.endswith(COMPRESSIBLE) and os.path.isfile(path)
                and os.path.realpath(path).startswith(os.path.realpath(self.static_folder) + os.sep)):
            response = send_from_directory(self.static_folder, filename,
                                           max_age=self.get_send_file_max_age(filename))
            response.vary.add("Accept-Encoding")
            return response
        stat = os.stat(path)
        key = (path, stat.st_mtime)
        if key not in _cache:
            with open(path, "rb") as fh:
                _cache[key] = gzip.compress(fh.read(), compresslevel=9, mtime=0)
        response = send_file(io.BytesIO(_cache[key]), mimetype=mimetypes.guess_type(filename)[0],
                             etag=f"{int(stat.st_mtime)}-{stat.st_size}-gz", conditional=True,
                             max_age=self.get_send_file_max_age(filename), last_modified=stat.st_mtime)
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response
