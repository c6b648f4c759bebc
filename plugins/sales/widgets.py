"""Dashboard widgets (``dashboard_widgets`` hook): small tables of the forecast and the targets,
rendered from ``templates/sales/widgets/`` (escaped and translated like every page)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import render_template
from trellis_plugins.sales import forecast


def forecast_widget(context) -> str:
    """Expected revenue of open deals per close-date month."""
    return render_template("sales/widgets/forecast.html", rows=forecast.weighted_pipeline(context.records))


def targets_widget(context) -> str:
    """Each target with the amount won in its period and the percentage reached."""
    return render_template("sales/widgets/targets.html", rows=forecast.target_progress(context.records))


def my_sales_widget(context) -> str:
    """KPI tiles for the home page: the viewer's open deals, their pipeline value and those closing this month."""
    from flask_babel import gettext as _
    from trellis.web.home_widgets import Tile, render_tiles
    from trellis.web.labels import display, user_timezone

    records = context.records
    deal = records.metadata.entities["deal"]
    open_stages = sorted(set(deal.fields["stage"].options) - forecast.final_stages(records.metadata))
    first = context.now.astimezone(user_timezone()).date().replace(day=1)
    last = (first.replace(year=first.year + 1, month=1) if first.month == 12
            else first.replace(month=first.month + 1)) - timedelta(days=1)
    mine = records.query("deal").filter(owner=context.user.id, stage__in=open_stages)
    count, value = _count_and_sum(mine)
    closing, _value = _count_and_sum(mine.filter(close_date__gte=first, close_date__lte=last))
    url = f"/app/deal?owner=me&stage__in={','.join(open_stages)}"
    return render_tiles([
        Tile(_("My open deals"), count, url),
        Tile(_("My pipeline value"), display(deal.fields["amount"], value), url),
        Tile(_("Closing this month"), closing, f"{url}&close_date__gte={first}&close_date__lte={last}"),
    ])


def _count_and_sum(query) -> tuple[int, Decimal]:
    """How many deals ``query`` matches and the sum of their amounts, in one aggregate query."""
    from sqlalchemy import func, select

    amount = query.column("amount")[0]
    row = query.aggregate(lambda dialect: select(func.count(), func.sum(amount)).select_from(query.table))[0]
    return int(row[0] or 0), Decimal(str(row[1] or 0))
