"""Sign-in and preference forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.languages import BY_CODE, UI_LOCALES
from app.web import choices


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language of this site"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = choices(
            [("", _l("Same as my browser"))]
            + [(code, BY_CODE[code].native_name) for code in UI_LOCALES]
        )
