"""Web forms for translation and interpretation requests. Domain rules live in validation.py."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.languages import PRIORITY_CODES, display_name
from app.requests.models import Audience, InterpretationMode
from app.web import choices

AUDIENCE_LABELS = {
    Audience.PUBLIC: _l("The public"),
    Audience.RESIDENT: _l("One resident or family"),
    Audience.COMMUNITY: _l("A community group"),
    Audience.INTERNAL: _l("City staff"),
}
MODE_LABELS = {
    InterpretationMode.IN_PERSON: _l("In person"),
    InterpretationMode.PHONE: _l("Phone"),
    InterpretationMode.VIDEO: _l("Video"),
}


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; unknown values are reported by the service, in the user's language."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TranslationRequestForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("A short name, e.g. Water shut-off notice."))
    document = FileField(_l("Document"), description=_l(".docx, .txt, .md or .html, up to 10 MB."))
    text = TextAreaField(_l("Or paste the text"))
    vital = BooleanField(
        _l("This is a vital document"),
        description=_l("Vital documents go to all priority languages."),
    )
    languages = MultiCheckboxField(_l("Translate into"), validate_choice=False)
    audience = SelectField(_l("Audience"), validate_choice=False)
    due_date = DateField(_l("Requested due date"), validators=[Optional()])
    notes = TextAreaField(_l("Notes for the coordinator"))
    submit = SubmitField(_l("Submit request"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages.choices = choices((c, display_name(c)) for c in PRIORITY_CODES)
        self.audience.choices = choices(
            [("", _l("Choose…")), *((a.value, label) for a, label in AUDIENCE_LABELS.items())]
        )


class InterpretationRequestForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("A short name, e.g. Housing hearing."))
    language = SelectField(_l("Language"), validate_choice=False)
    mode = SelectField(_l("How"), validate_choice=False)
    start_date = DateField(_l("Date"), validators=[Optional()])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    duration_minutes = IntegerField(_l("Length in minutes"), validators=[Optional()])
    location = StringField(
        _l("Address or meeting link"),
        description=_l(
            "Street address for in person; https:// link for video; number to call for phone."
        ),
    )
    resident_name = StringField(_l("Resident's name (optional)"))
    resident_phone = TelField(_l("Resident's phone (optional)"))
    notes = TextAreaField(_l("Notes for the interpreter"))
    submit = SubmitField(_l("Submit request"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = choices(
            [("", _l("Choose…")), *((c, display_name(c)) for c in PRIORITY_CODES)]
        )
        self.mode.choices = choices((m.value, label) for m, label in MODE_LABELS.items())


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"))
    submit = SubmitField(_l("Cancel this request"))


class FilterForm(FlaskForm):
    """The list filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False)
    language = SelectField(_l("Language"), validate_choice=False)
    kind = SelectField(_l("Type"), validate_choice=False)
    department = SelectField(_l("Department"), validate_choice=False)
