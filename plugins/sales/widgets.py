"""Dashboard widgets (``dashboard_widgets`` hook): small HTML tables of the forecast and the targets."""

from __future__ import annotations

from markupsafe import escape
from trellis_plugins.sales import forecast


def forecast_widget(context) -> str:
    """Expected revenue of open deals per close-date month."""
    rows = "".join(f"<tr><td>{escape(month)}</td><td>{count}</td><td>{total:,.2f}</td></tr>"
                   for month, total, count in forecast.weighted_pipeline(context.records))
    return ("<table class='sales-forecast'><thead><tr><th>Month</th><th>Deals</th><th>Expected</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def targets_widget(context) -> str:
    """Each target with the amount won in its period and the percentage reached."""
    rows = "".join(f"<tr><td>{escape(p.who)}</td><td>{p.period_start} – {p.period_end}</td>"
                   f"<td>{p.won:,.2f}</td><td>{p.amount:,.2f}</td><td>{p.percent}%</td></tr>"
                   for p in forecast.target_progress(context.records))
    return ("<table class='sales-targets'><thead><tr><th>Who</th><th>Period</th><th>Won</th><th>Target</th>"
            f"<th>%</th></tr></thead><tbody>{rows}</tbody></table>")
