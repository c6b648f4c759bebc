"""Plugins' one-time data migrations (the ``data_migrations()`` hook), run by ``trellis migrate``.

Each is recorded in ``trellis_schema`` as ``data_migration:<plugin>:<name>`` in the
transaction that ran it, so it runs once per database, and one that fails leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from trellis.data.schema import BOOKKEEPING_TABLE
from trellis.runtime import runtime

PREFIX = "data_migration:"


@dataclass
class MigrationContext:
    """What a data migration's ``run(context)`` gets: a system record service and the transaction's connection."""

    records: Any
    connection: Any


def pending(app) -> list[tuple[str, Any]]:
    """``[(key, DataMigration)]`` not yet run on ``app``'s database, in load order."""
    from trellis.data.unit import unit_of_work

    table = runtime(app).schema.metadata.tables[BOOKKEEPING_TABLE]
    try:
        with app.app_context(), unit_of_work(app, write=False) as connection:
            done = set(connection.execute(select(table.c.key).where(table.c.key.startswith(PREFIX))).scalars())
    except SQLAlchemyError:        # a database `trellis migrate` has not set up yet: nothing ran
        done = set()
    found = [(f"{PREFIX}{plugin.name}:{migration.name}", migration)
             for plugin, migration in runtime(app).plugins.collect("data_migrations")]
    return [(key, migration) for key, migration in found if key not in done]


def run_pending(app, echo: Callable[[str], None] = lambda line: None) -> int:
    """Run every pending data migration, each in its own transaction; returns how many ran.

    The first that raises stops the run (its transaction rolled back) and the error goes up.
    """
    from trellis.data.records import records_for
    from trellis.data.unit import unit_of_work

    table = runtime(app).schema.metadata.tables[BOOKKEEPING_TABLE]
    ran = 0
    for key, migration in pending(app):
        with app.app_context(), unit_of_work(app) as connection:
            migration.run(MigrationContext(records_for(app, None, "plugin"), connection))
            connection.execute(insert(table).values(key=key, value=datetime.now(UTC).isoformat(timespec="seconds")))
        echo(f"Ran data migration {key.removeprefix(PREFIX)}.")
        ran += 1
    return ran
