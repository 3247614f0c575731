from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ..formatting import normalise_newlines

BODY_MIN, BODY_MAX, AUTHOR_MAX = 3, 500, 80


def _strip(value):
    return normalise_newlines(value).strip() if isinstance(value, str) else value


def _printable(_form, field):
    # NUL bytes or undecodable bytes (replaced by U+FFFD when the form was parsed).
    if field.data and ("\x00" in field.data or "\ufffd" in field.data):
        raise ValidationError(_l("Ce texte contient des caractères invalides. Retapez-le simplement."))


def _body(label, empty, length):
    """A question's text: 3 to 500 characters once trimmed, printable."""
    return TextAreaField(label, filters=[_strip], validators=[
        DataRequired(empty), Length(min=BODY_MIN, max=BODY_MAX, message=length), _printable])


class QuestionForm(FlaskForm):
    body = _body(_l("Votre question"), _l("Écrivez votre question."),
                 _l("Votre question doit faire entre 3 et 500 caractères."))
    author = StringField(_l("Votre prénom (facultatif)"), filters=[_strip], validators=[
        Optional(), Length(max=AUTHOR_MAX, message=_l("80 caractères au plus.")), _printable])


class QuestionEditForm(FlaskForm):
    body = _body(_l("Texte de la question"), _l("Le texte ne peut pas être vide."),
                 _l("Le texte doit faire entre 3 et 500 caractères."))
    # The text the form showed: a correction made over someone else's is refused.
    previous_body = HiddenField()


class FloorQuestionForm(FlaskForm):
    """A question asked on paper or at the microphone, typed by a moderator."""

    body = _body(_l("Question posée"), _l("Écrivez la question."),
                 _l("La question doit faire entre 3 et 500 caractères."))
    author = StringField(_l("Nom (facultatif)"), filters=[_strip], validators=[
        Optional(), Length(max=AUTHOR_MAX, message=_l("80 caractères au plus.")), _printable])
    source = SelectField(_l("Source"), choices=[SelectChoice("papier", _l("papier")),
                                                SelectChoice("micro", _l("micro"))],
                         validate_choice=False, default="papier", validators=[AnyOf(
                             ["papier", "micro"],
                             message=_l("Source inconnue : choisissez « papier » ou « micro »."))])
