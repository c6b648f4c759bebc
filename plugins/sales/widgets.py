"""Dashboard widgets (``dashboard_widgets`` hook): small tables of the forecast and the targets,
rendered from ``templates/sales/widgets/`` (escaped and translated like every page)."""

from __future__ import annotations

from flask import render_template
from trellis_plugins.sales import forecast


def forecast_widget(context) -> str:
    """Expected revenue of open deals per close-date month."""
    return render_template("sales/widgets/forecast.html", rows=forecast.weighted_pipeline(context.records))


def targets_widget(context) -> str:
    """Each target with the amount won in its period and the percentage reached."""
    return render_template("sales/widgets/targets.html", rows=forecast.target_progress(context.records))
