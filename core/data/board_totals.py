"""Per-column counts and sums of a kanban board: one GROUP BY under the viewer's read rule."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from trellis.data.query import Query, QueryError


def column_totals(query: Query, group: str, measure: str | None) -> dict[Any, tuple[int, Any]]:
    """``{group value: (count, sum of measure)}`` over the rows ``query`` reads (its filters, search and
    the user's read rule). The sum is ``None`` without a measure or when the user may not read it."""
    key, _ = query.column(group)
    try:
        summed = func.sum(query.column(measure)[0]) if measure else None
    except QueryError:
        summed = None
    measures = [key, func.count()] + ([summed] if summed is not None else [])
    rows = query.aggregate(lambda dialect: select(*measures).select_from(query.table).group_by(key))
    return {row[0]: (int(row[1]), row[2] if summed is not None else None) for row in rows}
