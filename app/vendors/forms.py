"""Forms for the vendor registry, routing, the vendor portal and reviews."""

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
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional

from app.labels import SERVICE_LABELS
from app.languages import PRIORITY_CODES, display_name


class VendorForm(FlaskForm):
    name = StringField(_l("Name"))
    contact_name = StringField(_l("Contact person"), validators=[Optional()])
    contact_email = StringField(_l("Contact e-mail"), validators=[Optional()])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional()])
    contract_number = StringField(_l("Contract number"), validators=[Optional()])
    contract_start = DateField(_l("Contract starts"), validators=[Optional()])
    contract_end = DateField(_l("Contract ends"), validators=[Optional()])
    capacity = IntegerField(
        _l("Capacity"),
        default=10,
        validators=[Optional()],
        description=_l("How many open jobs the vendor can hold at once."),
    )
    active = BooleanField(_l("Active"), default=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional()])
    submit = SubmitField(_l("Save vendor"))


class ServiceForm(FlaskForm):
    language = SelectField(_l("Language"))
    service = SelectField(_l("Service"))
    rate_per_word = StringField(_l("Rate per word ($)"), validators=[Optional()])
    rate_per_minute = StringField(_l("Rate per minute ($)"), validators=[Optional()])
    rate_per_hour = StringField(_l("Rate per hour ($)"), validators=[Optional()])
    minimum_charge = StringField(_l("Minimum charge ($)"), validators=[Optional()])
    turnaround_days = IntegerField(
        _l("Turnaround (business days)"),
        validators=[Optional()],
        description=_l("For each block of words below."),
    )
    words_per_block = IntegerField(_l("Words per block"), default=2000, validators=[Optional()])
    rush_days = IntegerField(_l("Rush turnaround (business days)"), validators=[Optional()])
    rush_surcharge_percent = IntegerField(_l("Rush surcharge (%)"), validators=[Optional()])
    confirmation_hours = IntegerField(
        _l("Hours to confirm an interpreter"), validators=[Optional()]
    )
    minimum_notice_hours = IntegerField(_l("Minimum notice (hours)"), validators=[Optional()])
    submit = SubmitField(_l("Save service"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [(c, display_name(c)) for c in PRIORITY_CODES]
        self.service.choices = [(value, str(label)) for value, label in SERVICE_LABELS.items()]


class AssignForm(FlaskForm):
    vendor = SelectField(_l("Vendor"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Offer the job"))


class RespondForm(FlaskForm):
    reason = TextAreaField(_l("Reason, if you decline"), validators=[Optional()])
    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))


class HoldForm(FlaskForm):
    question = TextAreaField(_l("Question for the requester"))
    submit = SubmitField(_l("Pause and ask"))


class ResumeForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[Optional()])
    submit = SubmitField(_l("Restart the clock"))


class DeliverForm(FlaskForm):
    file = FileField(
        _l("Translated file"),
        description=_l("The source's own format, or the XLIFF file with your translations."),
    )
    submit = SubmitField(_l("Deliver"))


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comments for the vendor"), validators=[Optional()])
    accept = SubmitField(_l("Accept the delivery"))
    send_back = SubmitField(_l("Return with comments"))


class InterpreterForm(FlaskForm):
    interpreter = StringField(_l("Interpreter's name or ID"))
    submit = SubmitField(_l("Confirm the interpreter"))


class InterpretingLogForm(FlaskForm):
    start_date = DateField(_l("Date"), validators=[Optional()])
    start_time = TimeField(_l("Started at"), validators=[Optional()])
    end_time = TimeField(_l("Ended at"), validators=[Optional()])
    minutes_billed = IntegerField(
        _l("Minutes billed"),
        validators=[Optional()],
        description=_l("Leave empty to bill the minutes between start and end."),
    )
    submit = SubmitField(_l("Log the interpreting"))


class RescheduleForm(FlaskForm):
    start_date = DateField(_l("New date"), validators=[Optional()])
    start_time = TimeField(_l("New start time"), validators=[Optional()])
    submit = SubmitField(_l("Change the time"))


class ConfirmForm(FlaskForm):
    """A button-only action: nothing but the CSRF token is checked."""


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw the offer"))
