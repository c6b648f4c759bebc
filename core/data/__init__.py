"""The data layer: connection, tables from metadata, the record service and queries."""

from trellis.runtime import runtime


def init_app(app) -> None:
    """Connect the database for ``app`` and build its tables from the metadata.

    Builds ``runtime(app).schema`` only; creating or altering tables is the job of
    ``trellis migrate`` (:func:`trellis.data.migrate.upgrade`), never of start-up.
    """
    # Imported here, not with the package: `trellis check` imports trellis.data.commands and needs no ORM.
    from trellis.data import database

    database.init_app(app)
    state = runtime(app)
    if state.metadata is not None:
        from trellis.data.schema import build_schema

        state.schema = build_schema(state.metadata)
