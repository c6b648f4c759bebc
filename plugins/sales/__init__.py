"""The sales plugin: leads, the deal pipeline, products, quotes, orders and targets.

Almost everything is YAML in ``metadata/``. The Python here does what YAML cannot
say: a deal takes its stage's default probability, a quote line its product's
price, converting a lead creates a contact, a company (unless it exists) and a
deal, and the forecast page, quote document and demo records.
"""

from pathlib import Path

from trellis import MenuItem, Widget, hookimpl


@hookimpl
def menu_items(user):
    """Leads, Deals, Quotes, Orders, Products and the sales dashboard in the menu."""
    return [
        MenuItem("Leads", "/app/lead", icon="spark", order=20, group="Sales"),
        MenuItem("Deals", "/app/deal", icon="handshake", order=21, group="Sales"),
        MenuItem("Pipeline", "/app/deal/kanban", icon="columns", order=22, group="Sales"),
        MenuItem("Quotes", "/app/quote", icon="document", order=23, group="Sales"),
        MenuItem("Orders", "/app/order", icon="cart", order=24, group="Sales"),
        MenuItem("Products", "/app/product", icon="box", order=25, group="Sales"),
        MenuItem("Sales targets", "/app/sales_target", icon="target", order=26, group="Sales"),
        MenuItem("Sales dashboard", "/sales/dashboard", icon="chart", order=27, group="Sales"),
    ]


@hookimpl
def before_save(record, changes, context):
    """A deal entering a stage takes the stage's probability; a quote line its product's price."""
    from trellis_plugins.sales import rules

    if record.entity == "deal":
        rules.stage_probability(record, changes, context)
    elif record.entity == "quote_line":
        rules.line_from_product(record, context)


@hookimpl
def after_transition(record, transition, context):
    """Converting a lead creates its contact, company and deal in the same transaction."""
    if record.entity == "lead" and transition.name == "convert":
        from trellis_plugins.sales.conversion import convert_lead

        convert_lead(record, context)


@hookimpl
def blueprints():
    """The sales dashboard (``/sales/dashboard``) and the quote document (``/sales/quote/<id>/print``, ``.pdf``)."""
    from trellis_plugins.sales.pages import bp

    return [bp]


@hookimpl
def template_dirs():
    """The dashboard and quote document templates, and the links on a quote's page (``record_links/``)."""
    return [Path(__file__).parent / "templates"]


@hookimpl
def dashboard_widgets():
    """The weighted forecast by month and won-versus-target per salesperson."""
    from trellis_plugins.sales import widgets

    return [Widget("sales_forecast", "Forecast (weighted by probability)", widgets.forecast_widget),
            Widget("sales_targets", "Won vs target", widgets.targets_widget)]


@hookimpl
def demo_data(context):
    """Products, lost reasons, leads, about twenty deals across the stages, quotes, orders and targets."""
    from trellis_plugins.sales.demo import create

    create(context)
