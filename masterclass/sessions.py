"""Flask's signed-cookie session, with its signing serializer built once per app.

Flask builds the serializer on every request, to read the cookie and again to write it
(a few dozen microseconds each, on every page and every poll); the key never changes
while the app runs.
"""

from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("session_serializer")
        if cached is None or cached[0] != key:
            cached = app.extensions["session_serializer"] = (key, super().get_signing_serializer(app))
        return cached[1]
