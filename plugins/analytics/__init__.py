"""The analytics plugin: RFM segments, lifetime value, churn risk, cross-sell rules and lead scoring.

Settings are an ``analytics:`` YAML document (:mod:`.settings`), checked by ``trellis
check``. A nightly job (:mod:`.job`) computes scores in SQL from paid orders and past
leads and writes them as readonly fields on contacts and leads and as
``product_pair`` records, through the record service; the contact's page shows the
scores with their reasons and "customers who bought X also bought Y" (:mod:`.panel`).
docs/analytics.md explains every formula.
"""

from pathlib import Path

from trellis import MenuItem, MetadataKind, hookimpl


@hookimpl
def metadata_kinds():
    """The ``analytics:`` document: the window, paid statuses, RFM segments, churn, CLV and rule settings."""
    from trellis_plugins.analytics.settings import SCHEMA, build

    return [MetadataKind("analytics", build, SCHEMA)]


@hookimpl
def scheduled_jobs():
    """Every night at 03:15: scores, product pairs and lead scores, writing only what changed."""
    from trellis import ScheduledJob
    from trellis_plugins.analytics.job import run

    return [ScheduledJob("analytics_nightly", "15 3 * * *", run)]


@hookimpl
def cli_commands():
    """``trellis analytics-run [--date YYYY-MM-DD]``: compute everything now (after an import, say)."""
    from trellis_plugins.analytics.command import analytics_run

    return [analytics_run]


@hookimpl
def record_panels(entity):
    """A contact's scores with the churn reasons and what customers like it also bought; the same
    suggestions on a quote; a lead's conversion chance with the fields that raise or lower it."""
    from trellis import RecordPanel
    from trellis_plugins.analytics import panel

    if entity == "contact":
        return [RecordPanel("analytics", template="analytics/contact.html", values=panel.contact_values, order=30)]
    if entity == "quote":
        return [RecordPanel("analytics_cross_sell", template="analytics/cross_sell.html", values=panel.quote_values,
                            order=30)]
    if entity == "lead":
        return [RecordPanel("analytics_lead_score", template="analytics/lead.html", values=panel.lead_values,
                            order=30)]
    return None


@hookimpl
def template_dirs():
    """The contact panel."""
    return [Path(__file__).parent / "templates"]


@hookimpl
def demo_data(context):
    """A year of orders with lines for the demo contacts, then the job, so the dashboard has numbers."""
    from trellis_plugins.analytics.demo import create

    create(context)


@hookimpl
def menu_items(user):
    """The product pairs in the menu (the dashboard is listed with the other dashboards)."""
    group = {"en": "Analytics", "ru": "Аналитика", "bg": "Анализи", "fa": "تحلیل"}
    return [MenuItem({"en": "Product pairs", "ru": "Пары товаров", "bg": "Двойки продукти", "fa": "جفت‌های محصول"},
                     "/app/product_pair", icon="list", order=71, group=group)]


@hookimpl
def blueprints():
    """Serves the dashboard's stylesheet at ``/analytics/static``."""
    from trellis_plugins.analytics.pages import bp

    return [bp]


@hookimpl
def dashboard_widgets():
    """The RFM grid (heat-map), the churn-risk list and the top product pairs."""
    from trellis import N_, Widget
    from trellis_plugins.analytics import widgets

    # English titles, marked for pybabel; the dashboard page looks them up in translations/.
    return [Widget("analytics_rfm_grid", N_("RFM grid"), widgets.rfm_grid, size="medium"),
            Widget("analytics_churn_list", N_("Highest churn risk"), widgets.churn_list, size="large"),
            Widget("analytics_top_pairs", N_("Top product pairs"), widgets.top_pairs, size="large")]

