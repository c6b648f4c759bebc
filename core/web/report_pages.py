"""``/reports/<name>``: one ``report:`` on its own page, and ``/reports/<name>.csv`` / ``.xlsx``: its data.

A report runs as the signed-in user (their record rules; a measure over a field they may not read
is refused with a message). ``?period=`` (``month``, ``quarter``, ``year``, ``last_12_months``,
``custom`` with ``start`` and ``end``) limits a report's ``period`` date field, in the user's time zone;
dashboards pass theirs on to each report.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from trellis.data.coerce import coerce_value
from trellis.data.query import QueryError
from trellis.data.reports import ReportResult, run_report
from trellis.errors import PermissionDenied
from trellis.io.export import write_csv, write_xlsx
from trellis.metadata.model import Field
from trellis.runtime import runtime
from trellis.web import jalali
from trellis.web.labels import label, user_locale, user_timezone
from trellis.web.pages import current_user_object, service
from trellis.web.report_views import view_of

bp = Blueprint("reports", __name__)

PERIODS = {"month": _l("This month"), "quarter": _l("This quarter"), "year": _l("This year"),
           "last_12_months": _l("Last 12 months"), "custom": _l("Custom")}


def period_from(args, today: date) -> tuple[date, date] | None:
    """The period a request asks for (first and last day, inclusive), or None: every date; a month,
    quarter or year of the Jalali calendar for a Persian user (see :mod:`trellis.web.jalali`)."""
    kind = args.get("period")
    if kind != "custom" and jalali.in_use(user_locale()):   # a Persian user's month, season and year
        return jalali.period(kind, today)
    if kind == "month":
        return today.replace(day=1), _month_end(today)
    if kind == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return first, _month_end(first.replace(month=first.month + 2))
    if kind == "year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    if kind == "last_12_months":
        start = today.replace(day=1)
        start = start.replace(year=start.year - 1) if start.month == 12 else \
            start.replace(year=start.year - 1, month=start.month + 1)
        return start, _month_end(today)
    if kind == "custom":
        start, end = _day(args.get("start")), _day(args.get("end"))
        if start is not None and end is not None and start <= end:
            return start, end
    return None


def period_args(args) -> dict[str, str]:
    """The period parameters of a request, to pass on in links (downloads, drill-downs)."""
    return {key: args[key] for key in ("period", "start", "end") if args.get(key)}


def _month_end(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def _day(text: str | None) -> date | None:
    """A typed day: Jalali (``1404/01/01``) for a Persian user, else (and for a link's ISO day) ISO."""
    if not text:
        return None
    if jalali.in_use(user_locale()):
        try:
            return jalali.parse_day(text)
        except ValueError:
            pass
    try:
        return coerce_value(text[:10], Field("day", "date"), None)
    except (ValueError, TypeError):
        return None


def today_for_user() -> date:
    """Today in the signed-in user's time zone."""
    return datetime.now(user_timezone()).date()


def report_or_404(name: str):
    """The report called ``name`` (a YAML one, else a saved one) when the signed-in user may see it (its
    ``roles``, or a saved report's owner and sharing; administrators all)."""
    report = runtime().metadata.reports.get(name)
    user = current_user_object()
    if report is None:
        from trellis.web.saved_reports import saved_report

        report = saved_report(name, user)
        if report is not None:
            return report
    if report is None or not _shown_to(report, user):
        abort(404)
    return report


def _shown_to(report, user) -> bool:
    if user is None:
        return False
    if getattr(user, "is_admin", False) or not report.roles:
        return True
    return bool(set(getattr(user, "roles", ()) or ()) & set(report.roles))


def run_for_user(report, args) -> ReportResult:
    """``report`` run as the signed-in user over the period ``args`` ask for (PermissionDenied, QueryError)."""
    return run_report(service(), report, zone=user_timezone().key, period=period_from(args, today_for_user()),
                      calendar=jalali.report_calendar(user_locale()))


@bp.get("/reports/<name>")
def show(name: str):
    """One report: chart, data table, downloads."""
    report = report_or_404(name)
    title = label(report.label, report.name)
    try:
        view = view_of(run_for_user(report, request.args), runtime().metadata, period_args(request.args))
    except (PermissionDenied, QueryError) as error:
        return render_template("reports/page.html", title=title, error=_message(error)), 403
    return render_template("reports/page.html", title=title, view=view)


@bp.get("/reports/<name>.<kind>")
def download(name: str, kind: str):
    """The report's data (its data table, numbers as numbers) as CSV or XLSX; formula-like text neutralised."""
    if kind not in ("csv", "xlsx"):
        abort(404)
    report = report_or_404(name)
    try:
        result = run_for_user(report, request.args)
    except (PermissionDenied, QueryError) as error:
        return Response(_message(error), status=403, mimetype="text/plain")
    view = view_of(result, runtime().metadata, period_args(request.args))
    headers = view.headers
    groups = len(report.groups)
    rows = [[cell.text for cell in row[:groups]] + [row_values.values.get(m.name) for m in report.measures]
            for row, row_values in zip(view.rows, result.rows, strict=True)]
    if kind == "csv":
        out = io.StringIO()
        write_csv(headers, rows, out)
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{report.name}.csv"'})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{report.name}.xlsx"
        write_xlsx(headers, rows, path)
        data = path.read_bytes()
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{report.name}.xlsx"'})


def _message(error: Exception) -> str:
    fields = getattr(error, "fields", None)
    return "; ".join(str(v) for v in fields.values()) if fields else str(error)
