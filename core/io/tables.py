"""The import subsystem's own tables: import progress, possible duplicates and merges.

They live on the application's schema ``MetaData`` so that ``trellis migrate``
creates them with every other table. :func:`install` adds them (once per app);
``trellis.io.init_app`` calls it at start-up, and the import, dedupe and merge
entry points call it too, so they work even before the app factory wires it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Column, Index, Table
from trellis.runtime import runtime

IMPORT_TABLE = "trellis_import"
DUPLICATE_TABLE = "trellis_duplicate"
MERGE_TABLE = "trellis_merge"


@dataclass
class IoTables:
    """``imports``: one row per import of a file; ``duplicates``: possible-duplicate pairs; ``merges``: the audit."""

    imports: Table
    duplicates: Table
    merges: Table
    created: bool = False   # known to exist in the database


def declare(meta: sa.MetaData) -> IoTables:
    """Define the io tables on the schema's ``meta`` (the data layer calls this once)."""
    return _build(meta)


def ensure(app) -> IoTables:
    """The io tables of ``app``, created in the database when missing (no other schema change)."""
    from trellis.data.database import db

    tables = runtime(app).tables.io
    if not tables.created:  # once per app: merged_into may run on every page view
        with app.app_context():
            for table in (tables.imports, tables.duplicates, tables.merges):
                table.create(db.engine, checkfirst=True)
        tables.created = True
    return tables


def _build(meta: sa.MetaData) -> IoTables:
    now = sa.func.current_timestamp()
    imports = Table(
        IMPORT_TABLE, meta,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("entity", sa.String(100), nullable=False),
        Column("file_name", sa.String(500), nullable=True),
        Column("file_sha256", sa.String(64), nullable=False),
        Column("rows_done", sa.Integer, nullable=False, default=0),
        Column("created", sa.Integer, nullable=False, default=0),
        Column("updated", sa.Integer, nullable=False, default=0),
        Column("skipped", sa.Integer, nullable=False, default=0),
        Column("flagged", sa.Integer, nullable=False, default=0),
        Column("failed", sa.Integer, nullable=False, default=0),
        Column("status", sa.String(20), nullable=False, default="running"),   # running | done
        Column("user_id", sa.Integer, nullable=True),
        Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        Index("ix_trellis_import_entity_file_sha256", "entity", "file_sha256"),
    )
    duplicates = Table(
        DUPLICATE_TABLE, meta,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("entity", sa.String(100), nullable=False),
        Column("record_id", sa.Integer, nullable=False),
        Column("other_id", sa.Integer, nullable=False),
        Column("rule", sa.String(200), nullable=False),
        Column("at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        Index("ix_trellis_duplicate_entity_record_id", "entity", "record_id"),
        Index("ix_trellis_duplicate_entity_other_id", "entity", "other_id"),
    )
    merges = Table(
        MERGE_TABLE, meta,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("entity", sa.String(100), nullable=False),
        Column("loser_id", sa.Integer, nullable=False),
        Column("survivor_id", sa.Integer, nullable=False),
        Column("loser_values", sa.Text, nullable=True),     # JSON of the loser as it was: the audit
        Column("user_id", sa.Integer, nullable=True),
        Column("at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        Index("ix_trellis_merge_entity_loser_id", "entity", "loser_id"),
    )
    return IoTables(imports, duplicates, merges)
