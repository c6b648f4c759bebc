"""``/dashboards/`` and ``/dashboards/<name>``: the YAML ``dashboard:`` pages of plugin widgets and reports.

The ``home`` dashboard (core YAML, filled by plugins with ``extends: home``) is the
home page, ``/``, and is not repeated in the menu.

Each widget's ``render(context)`` runs with the record service acting as the
signed-in user, so a widget shows only what that user may read. A widget that
fails shows an error box naming it (and is logged); the rest of the page renders.

A ``{report: NAME}`` widget is a ``report:`` run as the viewer and drawn from the theme's
``reports/report.html``; the dashboard's period (``?period=month|quarter|year|last_12_months|custom``)
applies to every report with a ``period`` date field. A report the viewer may not run (a field they
may not read) shows its message instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from trellis.data.query import QueryError
from trellis.errors import PermissionDenied
from trellis.runtime import runtime
from trellis.web.labels import label
from trellis.web.pages import current_user_object, service
from trellis.web.report_pages import PERIODS, period_args, run_for_user
from trellis.web.report_views import view_of

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")


@dataclass(frozen=True)
class WidgetContext:
    """What a widget's ``render(context)`` receives: the viewer, their record service and the time (UTC)."""

    user: Any
    records: Any
    now: datetime


@dataclass(frozen=True)
class Panel:
    """One widget as the page shows it: ``html`` is the widget's output, or None with ``failed`` set."""

    name: str
    title: str
    size: str
    html: Markup | None = None
    failed: bool = False
    report: Any = None        # a report widget's ReportView
    message: str = ""         # why a report widget shows no numbers (a field the viewer may not read)


def visible_dashboards(user) -> list:
    """The dashboards ``user`` may see (administrators: all), sorted by label."""
    metadata = runtime().metadata
    boards = [d for d in metadata.dashboards.values() if d.shown_to(user)]
    return sorted(boards, key=lambda d: label(d.label, d.name).casefold())


HOME = "home"


def menu(user) -> list[dict]:
    """Menu entries (``{"label", "url"}``) for the dashboards ``user`` may see (not ``home``: that is ``/``)."""
    return [{"label": label(d.label, d.name), "url": f"/dashboards/{d.name}"} for d in visible_dashboards(user)
            if d.name != HOME]


@bp.get("/")
def index():
    """The dashboards the signed-in user may see."""
    return render_template("dashboards.html", dashboards=visible_dashboards(current_user_object()),
                           title=_("Dashboards"))


@bp.get("/<name>")
def show(name: str):
    """A dashboard's widgets in a grid; a dashboard the user's roles do not include is a 404."""
    user = current_user_object()
    metadata = runtime().metadata
    dashboard = metadata.dashboards.get(name)
    if dashboard is None or not dashboard.shown_to(user):
        abort(404)
    from trellis.web.saved_reports import on_dashboard

    saved = on_dashboard(dashboard.name, user)
    panels = panels_of(dashboard, user) + [_saved_panel(report) for report in saved]
    dated = any(runtime().metadata.reports[w.report].period_field for w in dashboard.widgets if w.report) or \
        any(report.period_field for report in saved)
    return render_template("dashboard.html", dashboard=dashboard, panels=panels,
                           title=label(dashboard.label, dashboard.name), periods=PERIODS if dated else {},
                           period=period_args(request.args))


def panels_of(dashboard, user) -> list[Panel]:
    """Each widget of ``dashboard`` rendered for ``user`` (a failing one marked, not raised)."""
    widgets = runtime().plugins.dashboard_widgets()
    context = WidgetContext(user=user, records=service(), now=datetime.now(UTC))
    panels = [_report_panel(dashboard.name, placed) if placed.report else
              _panel(dashboard.name, placed, widgets.get(placed.widget), context) for placed in dashboard.widgets]
    return [panel for panel in panels if panel is not None]


def _saved_panel(report) -> Panel:
    """A report a user saved onto this dashboard from the pivot page."""
    from trellis.metadata.model import DashboardWidget

    return _report_panel("", DashboardWidget(f"report:{report.name}", report=report.name), report)


def _report_panel(dashboard: str, placed, report=None) -> Panel:
    report = report or runtime().metadata.reports[placed.report]
    title = label(placed.title) if placed.title else label(report.label, report.name)
    size = placed.size or ("small" if report.chart == "kpi" else "medium")
    try:
        view = view_of(run_for_user(report, request.args), runtime().metadata, period_args(request.args))
    except (PermissionDenied, QueryError) as error:
        fields = getattr(error, "fields", None)
        return Panel(placed.widget, title, size, message="; ".join(fields.values()) if fields else str(error))
    except Exception:  # like a plugin widget: one broken report must not take the page down
        current_app.logger.exception("dashboard %s: report %s failed", dashboard, placed.report)
        return Panel(placed.widget, title, size, failed=True)
    return Panel(placed.widget, title, size, report=view)


def _panel(dashboard: str, placed, widget, context: WidgetContext) -> Panel | None:
    """``placed``'s widget rendered; None (left out) when it reads records the viewer may not read."""
    # A widget's own title is looked up in the catalogues, so a plugin's translations/ can translate it.
    title = label(placed.title) if placed.title else (_(widget.title) if widget is not None else placed.widget)
    size = placed.size or (widget.size if widget is not None else "medium")
    if widget is None:  # its plugin was disabled after the metadata was checked
        current_app.logger.error("dashboard %s: no enabled plugin adds the widget %s", dashboard, placed.widget)
        return Panel(placed.widget, title, size, failed=True)
    try:
        html = widget.render(context)
    except PermissionDenied:  # e.g. "my activities" on the home page of a role that reads no activities
        return None
    except Exception:  # a plugin's bug must not take the page down: show and log it, render the rest
        current_app.logger.exception("dashboard %s: widget %s failed", dashboard, placed.widget)
        return Panel(placed.widget, title, size, failed=True)
    # Deliberately trusted: the hook's contract is that a widget returns HTML and escapes what it did not
    # write itself (plugins are installed code, like the templates they ship).
    trusted = Markup(html if isinstance(html, str) else "")  # noqa: S704
    return Panel(placed.widget, title, size, html=trusted)
