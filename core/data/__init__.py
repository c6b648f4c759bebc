"""The data layer: connection, tables from metadata, the record service and queries."""

from collections.abc import Callable, Mapping
from typing import Any

from trellis.runtime import runtime


def init_app(app, system_tables: Mapping[str, Callable[[Any], Any]]) -> None:
    """Connect the database for ``app`` and build, once, its tables: the entities' from the metadata,
    and the system tables each subsystem declares.

    ``system_tables`` maps each field of :class:`trellis.runtime.SystemTables` to the
    subsystem's ``declare(metadata)``, which defines its tables on the schema's
    SQLAlchemy ``MetaData`` and returns them. Sets ``runtime(app).schema``, ``.tables``
    and ``.access`` (the system's: security replaces it). Creating or altering tables
    is the job of ``trellis migrate`` (:func:`trellis.data.migrate.upgrade`), never of start-up.
    """
    # Imported here, not with the package: `trellis check` imports trellis.data.commands and needs no ORM.
    from trellis.data import database
    from trellis.data.access import SystemAccess
    from trellis.data.report_cache import add_table, watch
    from trellis.data.schema import build_schema
    from trellis.runtime import SystemTables

    database.init_app(app)
    state = runtime(app)
    state.schema = build_schema(state.metadata)
    add_table(state.schema.metadata)   # the data versions the report cache reads (trellis.data.report_cache)
    with app.app_context():
        watch(database.db.engine)
    state.tables = SystemTables(**{name: declare(state.schema.metadata) for name, declare in system_tables.items()})
    state.access = SystemAccess()


def declare_files(metadata: Any) -> Any:
    """Define the stored files' table (``trellis_file``, :mod:`trellis.data.files`) on the schema's ``metadata``."""
    from trellis.data.files import declare_table

    return declare_table(metadata)
