"""``/app/<entity>/calendar``: records placed on a month or week grid by a date field marked
``calendar: true`` (``?field=`` picks one when there are several, ``?date=`` the period)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, render_template, request
from trellis.web.labels import display, entity_label, field_label, local_time, user_timezone
from trellis.web.pages import entity_or_404, register_errors, service

bp = Blueprint("calendar", __name__)
register_errors(bp)

MAX_EVENTS = 500


def period(view: str, day: date) -> tuple[date, date]:
    """First and last-plus-one day shown: whole weeks (Monday first) around ``day``'s month, or ``day``'s week."""
    if view == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    end = following + timedelta(days=(7 - following.weekday()) % 7)
    return start, end


@bp.get("/app/<entity>/calendar")
def calendar(entity: str):
    """The month (default) or week (``?view=week``) around ``?date=`` (default today)."""
    meta = entity_or_404(entity)
    fields = [f for f in meta.fields.values() if f.calendar and f.storage in ("date", "datetime")]
    if not fields:
        abort(404, description=f"{entity_label(meta)} has no calendar field.")
    field = next((f for f in fields if f.name == request.args.get("field")), fields[0])
    view = "week" if request.args.get("view") == "week" else "month"
    zone = user_timezone()
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = datetime.now(zone).date()
    start, end = period(view, day)
    if field.storage == "datetime":
        low, high = (datetime.combine(d, time(), tzinfo=zone) for d in (start, end))
    else:
        low, high = start, end
    title_field = meta.fields.get(meta.title) if meta.title else None
    rows = (service().query(entity).filter(**{f"{field.name}__gte": low, f"{field.name}__lt": high})
            .order_by(field.name).page(size=MAX_EVENTS, count=False).rows)
    by_day: dict[date, list] = {}
    for row in rows:
        value = row.get(field.name)
        when = local_time(value).date() if isinstance(value, datetime) else value
        text = display(title_field, row.get(title_field.name)) if title_field else f"#{row.id}"
        at = local_time(value).strftime("%H:%M") if isinstance(value, datetime) else ""
        by_day.setdefault(when, []).append({"id": row.id, "text": text, "at": at})
    weeks = []
    cursor = start
    while cursor < end:
        weeks.append([(cursor + timedelta(days=i), by_day.get(cursor + timedelta(days=i), [])) for i in range(7)])
        cursor += timedelta(days=7)
    step = timedelta(days=7) if view == "week" else None
    previous = (start - timedelta(days=1)) if step is None else day - step
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1) if step is None else day + step
    return render_template("calendar.html", entity=meta, field=field, fields=fields, view=view, day=day,
                           weeks=weeks, previous=previous, following=following, today=datetime.now(zone).date(),
                           title=f"{entity_label(meta, plural=True)} · {field_label(field)}")
