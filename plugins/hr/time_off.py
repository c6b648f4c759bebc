"""Time-off requests: their working days, their allocation, and the refusals (overlap, over the balance).

A request may use the allocation's days (for a type that accrues, those earned by its last
day: :mod:`.accrual`) plus those carried over from last year.

Called from the plugin's ``before_save`` on ``time_off_request``, inside the write's
transaction: the allocation is locked first, so two requests saved at once cannot
both spend the last days.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from trellis import ValidationError, business_calendar
from trellis_plugins.hr.accrual import available
from trellis_plugins.hr.working_days import working_days

OPEN = ("submitted", "approved")
"""Request statuses that hold days: overlaps with them are refused, they count against the balance."""


def settle_request(record, context) -> None:
    """Fill ``days`` and ``allocation`` of a request and refuse an overlap or a request over its balance."""
    start, end = record.get("start_date"), record.get("end_date")
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        return   # the entity's rule names the field
    name = current_app.config.get("HR_CALENDAR") or None
    try:
        calendar = business_calendar(name)
    except LookupError:
        raise ValidationError({"start_date": _("No business calendar called %(name)s", name=name)}) from None
    try:
        days = working_days(start, end, calendar, bool(record.get("start_half")), bool(record.get("end_half")))
    except ValueError:
        raise ValidationError({"end_date": _("A request can cover at most a year")}) from None
    if days <= 0:
        raise ValidationError({"start_date": _("These dates hold no working days")})
    record["days"] = days
    system = context.system
    kind = system.get("time_off_type", _id(record["type"]))
    allocation = _allocation(system, record, start)
    if allocation is None and kind.get("needs_balance"):
        raise ValidationError({"type": _("No %(type)s allocation for %(year)s",
                                         type=kind.get("name"), year=start.year)})
    record["allocation"] = allocation.id if allocation is not None else None
    if record.get("status") not in OPEN:
        return
    _refuse_overlap(system, record, start, end)
    if allocation is not None and kind.get("needs_balance"):
        _refuse_over_balance(system, record, allocation.id, days, kind, end, calendar)


def _id(value):
    return getattr(value, "id", value)


def _allocation(system, record, start: date):
    query = system.query("time_off_allocation").filter(employee=_id(record["employee"]), type=_id(record["type"]),
                                                       year=start.year)
    found = query.first()
    return system.lock("time_off_allocation", found.id) if found is not None else None


def _refuse_overlap(system, record, start: date, end: date) -> None:
    query = system.query("time_off_request").filter(employee=_id(record["employee"]), status__in=list(OPEN),
                                                    start_date__lte=end.isoformat(), end_date__gte=start.isoformat())
    if record.id is not None:
        query = query.filter(id__ne=record.id)
    other = query.first()
    if other is not None:
        raise ValidationError({"start_date": _("Overlaps another request (%(start)s to %(end)s)",
                                               start=other["start_date"], end=other["end_date"])})


def _refuse_over_balance(system, record, allocation_id, days: float, kind, end: date, calendar) -> None:
    allocation = system.get("time_off_allocation", allocation_id)
    taken = 0.0
    query = system.query("time_off_request").filter(allocation=allocation_id, status__in=list(OPEN))
    if record.id is not None:
        query = query.filter(id__ne=record.id)
    for other in query.page(size=500, count=False).rows:
        taken += float(other.get("days") or 0)
    left = available(allocation, kind, end, calendar) - taken
    if days > left:
        raise ValidationError({"end_date": _("Only %(left)s days left of this allocation, the request needs %(days)s",
                                             left=_number(left), days=_number(days))})


def _number(value: float) -> str:
    return f"{value:g}"
