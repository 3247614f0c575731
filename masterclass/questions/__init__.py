"""Live questions: participants ask from their phones, the room votes, the screen shows."""

from flask import Blueprint

bp = Blueprint("questions", __name__)


@bp.app_template_global()
def qr_svg(url: str):
    """An inline SVG QR code (segno), for the projector screen."""
    import segno
    from markupsafe import Markup

    return Markup(segno.make(url, error="m").svg_inline(scale=8, border=2, omitsize=True))  # noqa: S704
