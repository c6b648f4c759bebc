"""The analytics dashboard's widgets: the RFM grid, the churn-risk list and the top product pairs.

Each reads as the viewer (``context.records``): their read rules limit the contacts
counted and listed, like every report.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select
from trellis import PermissionDenied

LIST_SIZE = 10
SHADES = 5


def rfm_grid(context) -> str:
    """A 5 × 5 heat-map: customers per recency (rows) and frequency (columns) score, linked to the list."""
    try:
        query = context.records.query("contact")
        table = query.table
        rows = query.aggregate(lambda dialect: select(table.c.rfm_recency, table.c.rfm_frequency, func.count())
                               .where(table.c.rfm_recency.is_not(None))
                               .group_by(table.c.rfm_recency, table.c.rfm_frequency))
    except PermissionDenied:
        rows = []
    counts = {(int(r), int(f)): int(n) for r, f, n in rows}
    top = max(counts.values(), default=0)
    grid = [[{"r": r, "f": f, "count": counts.get((r, f), 0),
              "shade": -(-SHADES * counts.get((r, f), 0) // top) if top else 0} for f in range(1, 6)]
            for r in range(5, 0, -1)]
    return render_template("analytics/rfm_grid.html", grid=grid, total=sum(counts.values()))


def churn_list(context) -> str:
    """The customers with the highest churn risk (at least the settings' ``high``), with the first reason."""
    from trellis_plugins.analytics.panel import reason_text
    from trellis_plugins.analytics.settings import current

    high = current().churn_high
    try:
        rows = (context.records.query("contact").filter(churn_risk__gte=high).order_by("-churn_risk", "-clv")
                .page(size=LIST_SIZE, count=False).rows)
    except PermissionDenied:
        rows = []
    shown = [{"contact": row, "reason": reason_text(row["churn_reasons"][0]) if row.get("churn_reasons") else ""}
             for row in rows]
    return render_template("analytics/churn_list.html", rows=shown, high=high)


def top_pairs(context) -> str:
    """The product pairs with the highest lift."""
    try:
        rows = context.records.query("product_pair").order_by("-lift", "-orders").page(size=LIST_SIZE,
                                                                                      count=False).rows
    except PermissionDenied:
        rows = []
    return render_template("analytics/top_pairs.html", rows=rows)
