from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..formatting import normalise_newlines
from ..questions.desk import MAX_ANSWER_CHARS
from ..seances.authoring import DEFAULT_TIME


def _max(n: int):
    return Length(max=n, message=_l("%(max)d caractères au plus.", max=n))


class SeanceForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[
        DataRequired(_l("Donnez un titre à la séance.")), _max(200)])
    date = DateField(_l("Date"), format="%Y-%m-%d", validators=[
        DataRequired(_l("Indiquez une date valide, au format AAAA-MM-JJ (par exemple 2026-05-16)."))])
    # Left out (a script) or empty: 18:00, the usual hour of a séance.
    time = TimeField(_l("Heure"), format="%H:%M", validators=[Optional()], default=DEFAULT_TIME)
    city = StringField(_l("Ville"), validators=[DataRequired(_l("Indiquez la ville.")), _max(120)])
    venue = StringField(_l("Lieu"), validators=[Optional(), _max(200)])
    theme = StringField(_l("Thème"), validators=[Optional(), _max(80)])
    speaker = StringField(_l("Intervenant·e (nom)"), validators=[Optional(), _max(160)])
    speaker_role = StringField(_l("Fonction de l'intervenant·e"), validators=[Optional(), _max(200)])
    concept = TextAreaField(_l("Le concept / introduction"), filters=[normalise_newlines],
                            validators=[Optional(), _max(5000)])
    summary = TextAreaField(_l("Compte rendu"), filters=[normalise_newlines],
                            validators=[Optional(), _max(50000)])
    # How the summary is typed: Markdown (new séances), or HTML for summaries typed before
    # Markdown (kept as they were). Left out (a script): the séance's current format.
    summary_format = SelectField(_l("Format de saisie"), choices=[
        SelectChoice("markdown", _l("Markdown (recommandé)")),
        SelectChoice("html", _l("HTML simple (ancien format)"))],
        validate_choice=True, default="markdown")
    # What the projector screen, the feed and the PDF fiche draft speak. Left out: unchanged.
    language = SelectField(_l("Langue de la séance (écran, flux, fiche)"), choices=[
        SelectChoice("fr", "Français"), SelectChoice("en", "English")], validate_choice=True, default="fr")
    published = BooleanField(_l("Publier la séance (visible par tous)"))
    # On by default: questions wait for a moderator. Left out of the request along with its
    # marker (a script): the séance keeps its setting.
    premoderation = BooleanField(_l("Pré-modération : les questions attendent qu'un modérateur les retienne"),
                                 default=True)
    # The séance's edit_version when the form was opened (edit form only): a save made from
    # an older one is refused, with the other change shown.
    edit_version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$", message=_l(
        "Le formulaire est incomplet : rechargez la page, puis refaites vos modifications."))])

    def validate_date(self, field):
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Indiquez une année entre 2000 et 2100."))

    def fill_from(self, seance) -> None:
        """The form as the séance stands (the edit form's first display)."""
        self.title.data = seance.title
        self.date.data = seance.starts_at.date()
        self.time.data = seance.starts_at.time()
        self.city.data = seance.city
        self.venue.data = seance.venue
        self.theme.data = seance.theme.name if seance.theme else ""
        self.speaker.data = seance.speaker_name
        self.speaker_role.data = seance.speaker_role
        self.concept.data = seance.concept
        markdown = seance.summary_format == "markdown"
        self.summary.data = seance.summary_source if markdown else seance.summary_html
        self.summary_format.data = seance.summary_format
        self.language.data = seance.language
        self.published.data = seance.published
        self.premoderation.data = seance.premoderation
        self.edit_version.data = str(seance.edit_version)


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Réponse écrite"), filters=[normalise_newlines], validators=[
        DataRequired(_l("Écrivez la réponse, ou retirez-la avec le bouton prévu.")),
        Length(max=MAX_ANSWER_CHARS, message=_l(
            "La réponse dépasse %(max)d caractères : raccourcissez-la (votre texte est conservé ci-dessous).",
            max=MAX_ANSWER_CHARS))])


class DraftTextForm(FlaskForm):
    intro = TextAreaField(_l("Introduction"), filters=[normalise_newlines],
                          validators=[Optional(), _max(10_000)])
    key_points = TextAreaField(_l("Points clés (un par ligne)"), filters=[normalise_newlines],
                               validators=[Optional(), _max(10_000)])
