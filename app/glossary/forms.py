"""Glossary forms. Rules live in services.py; these parse and render."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField

from app.glossary.models import PartOfSpeech, TranslationKind
from app.languages import PRIORITY_CODES, display_name
from app.web import choices

POS_LABELS = {
    PartOfSpeech.NOUN: _l("Noun"),
    PartOfSpeech.PROPER_NOUN: _l("Proper noun (name)"),
    PartOfSpeech.VERB: _l("Verb"),
    PartOfSpeech.ADJECTIVE: _l("Adjective"),
    PartOfSpeech.PHRASE: _l("Phrase"),
    PartOfSpeech.OTHER: _l("Other"),
}
KIND_LABELS = {
    TranslationKind.TRANSLATION: _l("Translation"),
    TranslationKind.FORBIDDEN: _l("Forbidden variant (never use)"),
}
STATUS_FILTERS = {
    "approved": _l("Has an approved translation"),
    "proposed": _l("Has a proposal to review"),
    "missing": _l("Missing an approved translation"),
    "forbidden": _l("Has forbidden variants"),
    "rejected": _l("Has rejected proposals"),
}


def _language_choices(blank: Any) -> list[Any]:
    return choices([("", blank), *((c, display_name(c)) for c in PRIORITY_CODES)])


class TermForm(FlaskForm):
    source = StringField(
        _l("English term"), description=_l("E.g. NOTICE, trash cart, CharMeck 311.")
    )
    definition = TextAreaField(_l("Definition or context"))
    department = SelectField(_l("Department"), validate_choice=False)
    part_of_speech = SelectField(_l("Part of speech"), validate_choice=False)
    case_sensitive = BooleanField(_l("Match only this exact capitalization"))
    do_not_translate = BooleanField(
        _l("Do not translate"), description=_l("For names of programs, places and streets.")
    )
    submit = SubmitField(_l("Add term"))

    def __init__(self, departments: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.department.choices = choices([("", _l("Citywide")), *departments])
        self.part_of_speech.choices = choices((p.value, lbl) for p, lbl in POS_LABELS.items())


class ProposeForm(FlaskForm):
    language = SelectField(_l("Language"), validate_choice=False)
    text = StringField(_l("Translation"))
    kind = SelectField(_l("Kind"), validate_choice=False)
    note = StringField(_l("Note (optional)"))
    submit = SubmitField(_l("Propose"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices(_l("Choose…"))
        self.kind.choices = choices((k.value, lbl) for k, lbl in KIND_LABELS.items())


class DecisionForm(FlaskForm):
    """Approve or reject: only the CSRF token and the button pressed."""


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or TBX file"), description=_l("UTF-8 CSV with a term column, or TBX."))
    submit = SubmitField(_l("Import"))


class CheckForm(FlaskForm):
    language = SelectField(_l("Language of the translation"), validate_choice=False)
    source = TextAreaField(_l("English text"))
    target = TextAreaField(_l("Translation"))
    submit = SubmitField(_l("Check"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices(_l("Choose…"))


class GlossaryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    department = SelectField(_l("Department"), validate_choice=False)
    language = SelectField(_l("Language"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)

    def __init__(self, departments: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.department.choices = choices([("", _l("All")), *departments])
        self.language.choices = _language_choices(_l("Any"))
        self.status.choices = choices([("", _l("Any")), *STATUS_FILTERS.items()])
