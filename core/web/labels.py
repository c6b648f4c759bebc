"""Text for the user's locale: entity, field and option labels from the YAML, and values as shown.

Labels are dicts per locale (``{"en": "Deal", "ru": "Сделка"}``); a missing locale
falls back to English, then to any label, then to the name made readable.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import current_app, g, has_request_context
from flask_login import current_user
from trellis.data.record import Link
from trellis.metadata.model import Field
from trellis.web import jalali

RTL_LOCALES = ("fa", "ar", "he", "ur")

SYSTEM_COLUMNS = {
    "id": Field("id", "integer", label={"en": "ID", "ru": "ID", "bg": "ID", "fa": "شناسه"}),
    "created_at": Field("created_at", "datetime", label={"en": "Created", "ru": "Создано", "bg": "Създадено",
                                                          "fa": "ایجاد"}),
    "updated_at": Field("updated_at", "datetime", label={"en": "Updated", "ru": "Изменено", "bg": "Променено",
                                                          "fa": "به‌روزرسانی"}),
}
"""The system columns a list may show (``list: {columns: [id, name, created_at]}``), as fields to display."""


def _preferences() -> tuple[str | None, str | None]:
    """The signed-in user's ``(locale, timezone)``, read once per request and per user.

    A page asks for them hundreds of times (every label and formatted value), and each
    trip through flask-login's ``current_user`` proxy costs a few microseconds. The copy
    in ``g`` belongs to the user object flask-login holds, so a login or logout during
    the request (which replaces that object) reads them afresh.
    """
    if not has_request_context():
        return None, None
    store = g._get_current_object()   # g is a proxy too: look through it once
    user = store.get("_login_user")   # where flask-login keeps the request's user once loaded
    if user is None:
        user = current_user._get_current_object()
    cached = store.get("_trellis_preferences")
    if cached is None or cached[0] is not user:
        if getattr(user, "is_authenticated", False):
            cached = (user, getattr(user, "locale", None), getattr(user, "timezone", None))
        else:
            cached = (user, None, None)
        store._trellis_preferences = cached
    return cached[1], cached[2]


def user_locale() -> str:
    """The signed-in user's locale, else the organisation's (``TRELLIS_LOCALE``)."""
    return _preferences()[0] or current_app.config.get("LOCALE") or "en"


def user_timezone() -> ZoneInfo:
    """The signed-in user's time zone, else the organisation's (``TRELLIS_TIMEZONE``)."""
    try:
        return ZoneInfo(_preferences()[1] or current_app.config.get("TIMEZONE") or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def text_direction(locale: str | None = None) -> str:
    """``rtl`` for right-to-left locales (fa), else ``ltr``."""
    return "rtl" if (locale or user_locale()) in RTL_LOCALES else "ltr"


def label(text: dict | str | None, fallback: str = "", locale: str | None = None) -> str:
    """``text`` in the user's locale (English, then any, then ``fallback`` made readable)."""
    if isinstance(text, str):
        return text
    if text:
        locale = locale or user_locale()
        return text.get(locale) or text.get("en") or next(iter(text.values()))
    return fallback.replace("_", " ").capitalize()


def entity_label(entity, plural: bool = False) -> str:
    """``Contact`` / ``Contacts`` in the user's locale."""
    if plural and entity.plural:
        return label(entity.plural)
    return label(entity.label, entity.name)


def field_label(field) -> str:
    """The field's label in the user's locale."""
    return label(field.label, field.name)


def option_label(field, option: Any) -> str:
    """The label of one selection option (the option itself when it has none)."""
    labels = field.option_labels.get(str(option)) if field.option_labels else None
    return label(labels, str(option)) if labels else str(option)


def local_time(moment: datetime) -> datetime:
    """A stored (UTC) moment in the user's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(user_timezone())


def date_text(day: date | datetime, pattern: str = "medium", locale: str | None = None) -> str:
    """``day`` in the user's locale (a Babel pattern or style), in the Jalali calendar for Persian
    users (see :mod:`trellis.web.jalali`); the templates' ``format_date``."""
    locale = locale or user_locale()
    day = day.date() if isinstance(day, datetime) else day
    if jalali.in_use(locale):
        return jalali.format_day(day, jalali.STYLES.get(pattern, "medium"))
    return format_date(day, pattern, locale=locale)


def date_time_text(moment: datetime, pattern: str = "medium", tzinfo=None, locale: str | None = None) -> str:
    """A stored moment (UTC when naive) in the user's locale and time zone, Jalali for Persian
    users; the templates' ``format_datetime``."""
    locale = locale or user_locale()
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    zone = tzinfo or user_timezone()
    if jalali.in_use(locale):
        return jalali.format_moment(moment.astimezone(zone))
    return format_datetime(moment, pattern, tzinfo=zone, locale=locale)


def display(field, value: Any) -> str:
    """A stored value as text for lists, cards and detail pages (never HTML: templates escape it)."""
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, dict) and "id" in value:
        return str(value.get("name") or f"#{value['id']}")
    if isinstance(value, Link):
        return str(value.name or f"#{int(value)}")
    # How the field's type says to show it (``FieldType.display``), not its name.
    kind = getattr(getattr(field, "field_type", None), "display", None)
    if kind == "boolean":
        return "✓" if value else "✗"
    if kind == "choice":
        return option_label(field, value)
    if isinstance(value, list):
        if kind == "choices":
            return ", ".join(option_label(field, v) for v in value)
        return ", ".join(display(field, v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, datetime):
        return date_time_text(value, "short")
    if isinstance(value, date):
        return date_text(value)
    if kind == "money" and isinstance(value, Decimal | int | float):
        code = str((getattr(field, "extra", None) or {}).get("currency") or "")
        if len(code) == 3 and code.isalpha():   # ``currency: EUR``: Babel's currency format of the user's locale
            return format_currency(value, code.upper(), locale=user_locale())
        return format_decimal(value, "#,##0.00", locale=user_locale())
    if kind == "percent" and isinstance(value, Decimal | int | float):
        return format_decimal(value, locale=user_locale()) + "%"
    if kind == "number" and isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return format_decimal(value, locale=user_locale())
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return str(value)
