"""The data layer: connection, tables from metadata, the record service and queries."""

from trellis.data import database


def init_app(app) -> None:
    """Connect the database for ``app``."""
    database.init_app(app)
