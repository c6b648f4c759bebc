"""``/app/<entity>/calendar``: records placed on a month or week grid by a date field marked
``calendar: true`` (``?field=`` picks one when there are several, ``?date=`` the period).

Persian users see Jalali months (see :mod:`trellis.web.jalali`); ``?date=`` stays an ISO Gregorian day.
Weeks start on the day the user's locale starts them (Sunday for en, Saturday for fa, Monday
for ru and bg). A click on a day opens a new record with that date; dragging a record to
another day posts to ``/app/<entity>/<id>/reschedule``, an update through the record service
(write permission and record rules checked, 409 when someone saved it meanwhile). The entity's
``calendar: {color: kind, done: done}`` colours each record by an option and pales done ones;
on a phone the period is shown as an agenda (a list of days with their records).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from babel import Locale
from babel.core import UnknownLocaleError, get_global
from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import gettext as _
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from trellis.web import jalali
from trellis.web.labels import display, entity_label, field_label, local_time, option_label, user_locale, user_timezone
from trellis.web.pages import entity_or_404, register_errors, service

bp = Blueprint("calendar", __name__)
register_errors(bp)

MAX_EVENTS = 500
TONES = 6          # colour classes tone-0 .. tone-5 in the stylesheet, one per option (repeating)
NEW_EVENT_TIME = time(9, 0)


def first_weekday(locale: str) -> int:
    """The day weeks start on in ``locale`` (0 = Monday ... 6 = Sunday), from the CLDR data of its most
    likely territory: Saturday for ``fa`` (Iran), Sunday for ``en`` (US), Monday for ``ru`` and ``bg``."""
    try:
        return Locale.parse(get_global("likely_subtags").get(locale, locale)).first_week_day
    except (ValueError, UnknownLocaleError):
        return 0


def month_bounds(day: date, persian: bool = False) -> tuple[date, date]:
    """The first day of ``day``'s month and of the next one: the Jalali month when ``persian``."""
    if persian:
        return jalali.month_bounds(day)
    first_day = day.replace(day=1)
    return first_day, (first_day + timedelta(days=32)).replace(day=1)


def period(view: str, day: date, first: int = 0, persian: bool = False) -> tuple[date, date]:
    """First and last-plus-one day shown: whole weeks (starting on weekday ``first``) around ``day``'s
    month (Jalali when ``persian``), or ``day``'s week."""
    def week_start(d: date) -> date:
        return d - timedelta(days=(d.weekday() - first) % 7)

    if view == "week":
        start = week_start(day)
        return start, start + timedelta(days=7)
    first_day, following = month_bounds(day, persian)
    end = week_start(following)
    return week_start(first_day), end if end == following else end + timedelta(days=7)


def calendar_fields(meta) -> list:
    """The entity's date and datetime fields marked ``calendar: true``."""
    return [f for f in meta.fields.values() if f.calendar and f.storage in ("date", "datetime")]


@bp.get("/app/<entity>/calendar")
def calendar(entity: str):
    """The month (default) or week (``?view=week``) around ``?date=`` (default today)."""
    meta = entity_or_404(entity)
    fields = calendar_fields(meta)
    if not fields:
        abort(404, description=f"{entity_label(meta)} has no calendar field.")
    field = next((f for f in fields if f.name == request.args.get("field")), fields[0])
    view = "week" if request.args.get("view") == "week" else "month"
    zone = user_timezone()
    try:
        day = date.fromisoformat(request.args.get("date", "")[:10])
    except ValueError:
        day = datetime.now(zone).date()
    persian = jalali.in_use(user_locale())
    start, end = period(view, day, first_weekday(user_locale()), persian)
    if field.storage == "datetime":
        low, high = (datetime.combine(d, time(), tzinfo=zone) for d in (start, end))
    else:
        low, high = start, end
    rows = (service().query(entity).filter(**{f"{field.name}__gte": low, f"{field.name}__lt": high})
            .order_by(field.name).page(size=MAX_EVENTS, count=False).rows)
    by_day: dict[date, list] = {}
    for row in rows:
        value = row.get(field.name)
        when = local_time(value).date() if isinstance(value, datetime) else value
        by_day.setdefault(when, []).append(_event(meta, row, value))
    weeks = []
    cursor = start
    while cursor < end:
        weeks.append([(cursor + timedelta(days=i), by_day.get(cursor + timedelta(days=i), [])) for i in range(7)])
        cursor += timedelta(days=7)
    step = timedelta(days=7) if view == "week" else None
    month = month_bounds(day, persian)
    previous = (month[0] - timedelta(days=1)) if step is None else day - step
    following = month[1] if step is None else day + step
    return render_template("calendar.html", entity=meta, field=field, fields=fields, view=view, day=day,
                           weeks=weeks, month=month, previous=previous, following=following,
                           today=datetime.now(zone).date(),
                           title=f"{entity_label(meta, plural=True)} · {field_label(field)}",
                           agenda=[(d, by_day[d]) for d in sorted(by_day)], new_event_value=new_event_value)


def _event(meta, row, value) -> dict:
    """One record as the calendar shows it: title, time of day, colour (``tone``), kind and done state."""
    title_field = meta.fields.get(meta.title) if meta.title else None
    style = meta.calendar
    color = meta.fields.get(style.color) if style and style.color else None
    option = row.get(color.name) if color else None
    return {"id": row.id, "version": row.version,
            "text": display(title_field, row.get(title_field.name)) if title_field else f"#{row.id}",
            "at": local_time(value).strftime("%H:%M") if isinstance(value, datetime) else "",
            "tone": color.options.index(option) % TONES if option in getattr(color, "options", ()) else None,
            "kind": option_label(color, option) if option else "",
            "done": bool(style and style.done and row.get(style.done))}


def new_event_value(field, day: date) -> str:
    """The ``?field=`` pre-fill of a new record created by clicking ``day`` (9:00 for a date and time)."""
    return f"{day.isoformat()}T{NEW_EVENT_TIME:%H:%M}" if field.storage == "datetime" else day.isoformat()


@bp.post("/app/<entity>/<int:record_id>/reschedule")
def reschedule(entity: str, record_id: int):
    """Move a record to the day ``date`` (ISO) on its calendar field ``field``, keeping a datetime's time of
    day; JSON ``{"ok", "version"}``, or an error with 403 (not allowed), 404, 409 (stale ``version``) or 422."""
    meta = entity_or_404(entity)
    field = next((f for f in calendar_fields(meta) if f.name == request.form.get("field")), None)
    if field is None:
        return _refused(422, "field", _("There is no such calendar field."))
    try:
        day = date.fromisoformat(request.form.get("date", "")[:10])
    except ValueError:
        return _refused(422, "date", _("Give the day as YYYY-MM-DD."))
    try:
        current = service().get(entity, record_id).get(field.name)
        value = day
        if field.storage == "datetime":
            kept = local_time(current).timetz() if isinstance(current, datetime) else NEW_EVENT_TIME
            value = datetime.combine(day, kept.replace(tzinfo=None), tzinfo=user_timezone())
        moved = service().update(entity, record_id, {field.name: value},
                                 expected_version=request.form.get("version") or None)
    except NotFound:
        return _refused(404, "__all__", _("Not found"))
    except PermissionDenied as e:
        return _refused(403, "__all__", str(e))
    except ConflictError as e:
        return _refused(409, "version", str(e))
    except ValidationError as e:
        return _refused(422, next(iter(e.fields), "__all__"), "; ".join(e.fields.values()))
    return jsonify({"ok": True, "version": moved.version})


def _refused(status: int, name: str, message: str):
    return jsonify({"error": {"code": "refused", "field": name, "message": message}}), status
