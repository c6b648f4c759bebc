"""Recently viewed records, per user, kept in the database (``trellis_recent``) so that every app
server sees the same list.

A record's page, once shown (status 200), is remembered for the signed-in user with one statement;
reading the list trims it to the newest :data:`KEPT` per user when it has grown past that. What is
shown is read again through the query builder, so a record the user may no longer read, or one
deleted since, simply drops out.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Column, MetaData, Table, delete, insert, select
from trellis.runtime import runtime

TABLE = "trellis_recent"
KEPT = 20             # rows kept per user
DETAIL_ENDPOINT = "records.detail"


def add_table(metadata: MetaData) -> Table:
    """Define ``trellis_recent`` on ``metadata`` (once): one row per user and record, the latest view."""
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(
        TABLE, metadata,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("user_id", sa.Integer, nullable=False),
        Column("entity", sa.String(63), nullable=False),
        Column("record_id", sa.Integer, nullable=False),
        Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("uq_trellis_recent_user_record", "user_id", "entity", "record_id", unique=True),
        sa.Index("ix_trellis_recent_user_viewed", "user_id", "viewed_at"),
    )


def remember(app, user_id: int, entity: str, record_id: int) -> None:
    """Note that ``user_id`` has just viewed ``entity`` ``record_id`` (:func:`viewed` trims the list)."""
    from trellis.data.unit import unit_of_work

    table = runtime(app).tables.recent
    values = {"user_id": user_id, "entity": entity, "record_id": record_id, "viewed_at": datetime.now(UTC)}
    with unit_of_work(app) as connection:
        # One statement per page view: an upsert (one row per user and record).
        upsert = _upsert(connection.dialect.name)
        if upsert is not None:
            connection.execute(upsert(table).values(values).on_conflict_do_update(
                index_elements=["user_id", "entity", "record_id"], set_={"viewed_at": values["viewed_at"]}))
        else:
            connection.execute(delete(table).where(table.c.user_id == user_id, table.c.entity == entity,
                                                   table.c.record_id == record_id))
            connection.execute(insert(table).values(values))


def _upsert(dialect: str):
    """The dialect's ``INSERT ... ON CONFLICT`` construct, or None where there is none."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:
        return None
    return upsert


def viewed(app, user_id: int, limit: int = 10) -> list[tuple[str, int]]:
    """``(entity, record_id)`` of what ``user_id`` viewed last, newest first (not yet checked for access).

    When the user's list has grown past :data:`KEPT`, the older rows are deleted here (a second
    statement only then), so a page view costs one statement."""
    from trellis.data.unit import unit_of_work

    table = runtime(app).tables.recent
    with unit_of_work(app, write=False) as connection:
        rows = connection.execute(select(table.c.id, table.c.entity, table.c.record_id)
                                  .where(table.c.user_id == user_id)
                                  .order_by(table.c.viewed_at.desc(), table.c.id.desc()).limit(KEPT + 1)).all()
    if len(rows) > KEPT:
        with unit_of_work(app) as connection:
            connection.execute(delete(table).where(table.c.user_id == user_id,
                                                   table.c.id.not_in([row.id for row in rows[:KEPT]])))
    return [(row.entity, row.record_id) for row in rows[:limit]]


def record_view(response):
    """``after_request``: remember a record page the signed-in user was shown (GET, status 200)."""
    from flask import current_app, request
    from flask_login import current_user

    if (request.method == "GET" and request.endpoint == DETAIL_ENDPOINT and response.status_code == 200
            and current_user.is_authenticated and request.view_args):
        entity, record_id = request.view_args.get("entity"), request.view_args.get("record_id")
        if isinstance(record_id, int) and entity in runtime().metadata.entities:
            remember(current_app._get_current_object(), current_user.id, entity, record_id)
    return response
