"""Dashboard widgets (``dashboard_widgets`` hook): small HTML tables of the forecast and the targets."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import escape
from trellis_plugins.sales import forecast


def forecast_widget(context) -> str:
    """Expected revenue of open deals per close-date month."""
    rows = "".join(f"<tr><td>{escape(month)}</td><td>{count}</td><td>{total:,.2f}</td></tr>"
                   for month, total, count in forecast.weighted_pipeline(context.records))
    head = "".join(f"<th>{escape(text)}</th>" for text in (_("Month"), _("Deals"), _("Expected revenue")))
    return f"<table class='sales-forecast'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def targets_widget(context) -> str:
    """Each target with the amount won in its period and the percentage reached."""
    rows = "".join(f"<tr><td>{escape(p.who)}</td><td>{p.period_start} – {p.period_end}</td>"
                   f"<td>{p.won:,.2f}</td><td>{p.amount:,.2f}</td><td>{p.percent}%</td></tr>"
                   for p in forecast.target_progress(context.records))
    head = "".join(f"<th>{escape(text)}</th>" for text in (_("Who"), _("Period"), _("Won"), _("Target"), "%"))
    return f"<table class='sales-targets'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
