"""Template helpers shared by every page: locale, text direction, language names, dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import partial
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from werkzeug.routing import IntegerConverter, Map
from wtforms.fields.choices import SelectChoice

from app import labels
from app.languages import BY_CODE, UI_LOCALES, display_name

#: The largest id a URL may carry: ids are 32-bit integers in PostgreSQL.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """<int:...> URL parts that fit the database's id columns; anything bigger is a 404."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


#: The highest page number a list accepts (beyond it the offset would overflow the database).
MAX_PAGE = 100_000


def page_number() -> int:
    """The ?page= argument as a page number from 1 to MAX_PAGE (junk reads as 1)."""
    page = request.args.get("page", 1, type=int) or 1
    return max(1, min(page, MAX_PAGE))


def page_url(page: int) -> str:
    """The current page's URL with a different page number, keeping its filters."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    values["page"] = page
    return url_for(request.endpoint or "requests.index", **values)


def register_template_helpers(app: Flask) -> None:
    """Give templates the locale, its direction, and formatting helpers."""

    @app.context_processor
    def locale_context() -> dict[str, Any]:
        code = str(get_locale() or "en")
        lang = BY_CODE.get(code.split("_")[0])
        return {
            "locale_code": code,
            "lang_dir": lang.direction if lang else "ltr",
            "ui_locales": [(c, BY_CODE[c].native_name) for c in UI_LOCALES],
            "language_name": display_name,
            "page_url": page_url,
        }

    @app.context_processor
    def label_helpers() -> dict[str, Any]:
        return {
            name: partial(labels.label, mapping)
            for name, mapping in (
                ("status_label", labels.STATUS_LABELS),
                ("kind_label", labels.KIND_LABELS),
                ("channel_label", labels.CHANNEL_LABELS),
                ("actor_label", labels.ACTOR_LABELS),
                ("service_label", labels.SERVICE_LABELS),
                ("action_label", labels.ACTION_LABELS),
                ("finding_label", labels.FINDING_LABELS),
                ("outcome_label", labels.OUTCOME_LABELS),
                ("draft_label", labels.DRAFT_LABELS),
                ("flag_label", labels.FLAG_LABELS),
                ("reason_label", labels.REASON_LABELS),
            )
        }

    @app.template_filter("day")
    def day_filter(value: date | None) -> str:
        return format_date(value, "medium") if value else ""

    @app.template_filter("moment")
    def moment_filter(value: datetime | None) -> str:
        return format_datetime(value, "medium") if value else ""


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """WTForms select choices from (value, label) pairs; labels may be lazy strings."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
