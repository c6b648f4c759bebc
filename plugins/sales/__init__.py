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
    """Leads, Deals, Quotes, Orders, Products and targets in the menu (the sales dashboard is listed with the
    dashboards, for the roles it names)."""
    group = {"en": "Sales", "ru": "Продажи", "bg": "Продажби", "fa": "فروش"}
    entries = [
        ({"en": "Leads", "ru": "Лиды", "bg": "Потенциални клиенти", "fa": "سرنخ‌ها"}, "/app/lead", "spark"),
        ({"en": "Deals", "ru": "Сделки", "bg": "Сделки", "fa": "معاملات"}, "/app/deal", "handshake"),
        ({"en": "Pipeline", "ru": "Воронка", "bg": "Фуния", "fa": "قیف فروش"}, "/app/deal/kanban", "columns"),
        ({"en": "Quotes", "ru": "Коммерческие предложения", "bg": "Оферти", "fa": "پیش‌فاکتورها"},
         "/app/quote", "document"),
        ({"en": "Orders", "ru": "Заказы", "bg": "Поръчки", "fa": "سفارش‌ها"}, "/app/order", "cart"),
        ({"en": "Products", "ru": "Товары", "bg": "Продукти", "fa": "محصولات"}, "/app/product", "box"),
        ({"en": "Sales targets", "ru": "Планы продаж", "bg": "Цели за продажби", "fa": "اهداف فروش"},
         "/app/sales_target", "target"),
    ]
    return [MenuItem(text, url, icon=icon, order=20 + n, group=group) for n, (text, url, icon) in enumerate(entries)]


@hookimpl(specname="before_save", entities=["deal"])
def deal_before_save(record, changes, context):
    """A deal entering a stage takes the stage's probability."""
    from trellis_plugins.sales import rules

    rules.stage_probability(record, changes, context)


@hookimpl(specname="before_save", entities=["quote_line"])
def quote_line_before_save(record, changes, context):
    """A quote line takes its product's price."""
    from trellis_plugins.sales import rules

    rules.line_from_product(record, context)


@hookimpl(specname="after_save", entities=["order"])
def order_after_save(record, changes, context):
    """A new order made from a quote (accepting it) takes the quote's lines as its own."""
    if record.version == 1 and record.get("quote"):
        from trellis_plugins.sales.order_lines import copy_quote_lines

        copy_quote_lines(record, context)


@hookimpl(entities=["lead"])
def after_transition(record, transition, context):
    """Converting a lead creates its contact, company and deal in the same transaction."""
    if transition.name == "convert":
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
    """The weighted forecast by month, won-versus-target per salesperson and the viewer's KPIs for the home page."""
    from trellis import N_
    from trellis_plugins.sales import widgets

    # English titles, marked for pybabel; the dashboard page looks them up in translations/.
    return [Widget("sales_forecast", N_("Forecast (weighted by probability)"), widgets.forecast_widget),
            Widget("sales_targets", N_("Won vs target"), widgets.targets_widget),
            Widget("my_sales", N_("My sales"), widgets.my_sales_widget)]


@hookimpl
def demo_data(context):
    """Products, lost reasons, leads, about twenty deals across the stages, quotes, orders and targets."""
    from trellis_plugins.sales.demo import create

    create(context)
