"""Saved filters: a user names the list's current search, filters and sort, and finds it again
above that list. Kept per user in ``trellis_saved_filter`` (only the query string is stored:
it is re-checked by the query builder every time it is used)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Column, MetaData, Table, delete, insert, select
from trellis.runtime import runtime
from trellis.web.pages import current_user_object, entity_or_404, register_errors

TABLE = "trellis_saved_filter"
KEPT = ("q", "sort")  # besides filters; never the cursor (or its position), which point into one moment's list

bp = Blueprint("saved_filters", __name__)
register_errors(bp)


def add_table(metadata: MetaData) -> Table:
    """Define ``trellis_saved_filter`` on ``metadata`` (once)."""
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(
        TABLE, metadata,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("user_id", sa.Integer, nullable=False),
        Column("entity", sa.String(63), nullable=False),
        Column("name", sa.String(100), nullable=False),
        Column("query", sa.Text, nullable=False),
        Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_trellis_saved_filter_user", "user_id", "entity"),
    )


def _table():
    return runtime().tables.saved_filters


def saved_for(entity: str) -> list[dict]:
    """The signed-in user's saved filters of ``entity``: ``{"id", "name", "url"}``."""
    from flask import current_app
    from trellis.data.unit import unit_of_work

    table = _table()
    with unit_of_work(current_app._get_current_object(), write=False) as connection:
        rows = connection.execute(select(table.c.id, table.c.name, table.c.query)
                                  .where(table.c.user_id == current_user_object().id, table.c.entity == entity)
                                  .order_by(table.c.name)).mappings().all()
    return [{"id": r["id"], "name": r["name"], "url": f"/app/{entity}?{r['query']}"} for r in rows]


@bp.post("/app/<entity>/filters")
def save(entity: str):
    """Save the posted ``query`` (the list's query string) under ``name``."""
    from flask import current_app
    from trellis.data.unit import unit_of_work

    entity_or_404(entity)
    name = request.form.get("name", "").strip()[:100]
    pairs = [(k, v) for k, v in parse_qsl(request.form.get("query", "")) if k not in ("cursor", "at") and v.strip()]
    if not name:
        flash(_("Give the filter a name."), "error")
    else:
        with unit_of_work(current_app._get_current_object()) as connection:
            connection.execute(insert(_table()).values(user_id=current_user_object().id, entity=entity, name=name,
                                                       query=urlencode(pairs), created_at=datetime.now(UTC)))
        flash(_("Filter saved."))
    return redirect(url_for("lists.index", entity=entity) + ("?" + urlencode(pairs) if pairs else ""))


@bp.post("/app/<entity>/filters/<int:filter_id>/delete")
def remove(entity: str, filter_id: int):
    """Delete one of the user's own saved filters."""
    from flask import current_app
    from trellis.data.unit import unit_of_work

    table = _table()
    with unit_of_work(current_app._get_current_object()) as connection:
        connection.execute(delete(table).where(table.c.id == filter_id,
                                               table.c.user_id == current_user_object().id))
    return redirect(url_for("lists.index", entity=entity))
