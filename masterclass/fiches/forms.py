from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..formatting import normalise_newlines


def _strip(value):
    return value.strip() if isinstance(value, str) else value


ACCEPT = ".pdf,.odt,.ods,.odp,.docx,.xlsx,.pptx,.png,.jpg,.jpeg"


class FicheForm(FlaskForm):
    # Distinct ids: this form shares the séance's page with the séance form (same field names).
    title = StringField(_l("Titre de la fiche"), id="fiche-titre", filters=[_strip], validators=[
        DataRequired(_l("Donnez un titre à la fiche.")),
        Length(max=200, message=_l("200 caractères au plus."))])
    description = TextAreaField(
        _l("Description"), id="fiche-description", filters=[normalise_newlines],
        validators=[Optional(), Length(max=2000, message=_l("2000 caractères au plus."))])
    file = FileField(_l("Fichier"), id="fiche-fichier",
                     validators=[FileRequired(_l("Choisissez un fichier."))])


class ReplaceFileForm(FlaskForm):
    file = FileField(_l("Nouveau fichier"), validators=[FileRequired(_l("Choisissez un fichier."))])
