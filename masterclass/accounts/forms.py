from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

PASSWORD_MIN = 10


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[
        DataRequired(_l("Indiquez votre adresse e-mail.")), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[
        DataRequired(_l("Indiquez votre mot de passe.")), Length(max=200)])
    next = HiddenField()


class CreateModeratorForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[
        DataRequired(_l("Indiquez l'adresse e-mail du compte.")),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Cette adresse e-mail n'est pas valide.")),
        Length(max=254, message=_l("254 caractères au plus."))])
    role = SelectField(_l("Rôle"), default="moderator",
                       choices=[SelectChoice("moderator", _l("Modérateur")),
                                SelectChoice("admin", _l("Administrateur"))])
    password = PasswordField(_l("Mot de passe (laisser vide pour en générer un)"), validators=[
        Optional(), Length(min=PASSWORD_MIN, max=200,
                           message=_l("Le mot de passe doit compter au moins 10 caractères."))])


class AccountActionForm(FlaskForm):
    """Deactivate, reactivate or reset the password of one account (CSRF-only form)."""
