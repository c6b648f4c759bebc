"""Bring the database in line with the metadata, additively and without losing data.

:func:`plan` compares the database with the tables of :func:`trellis.data.schema.build_schema`
through Alembic's autogenerate comparison and keeps only what adds: new tables,
columns and indexes, and type widenings. Everything else is reported, never done:

- a column or table the metadata no longer has is *orphaned*: kept with its data
  (``trellis prune-columns`` is the only way to drop it, after a backup);
- a type change that could lose data (text -> integer) is *refused* with the values
  that would not convert, unless ``convert=True`` and every value converts.

:func:`apply` runs a plan in one transaction (on SQLite too), one progress line per
step; :func:`upgrade` does both for an application.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.engine import Connection, Engine
from trellis.data import reporting_lines, schema_changes, schema_types, search_index
from trellis.data.schema import BOOKKEEPING_TABLE, SEARCH_COLUMN, SEARCH_FOLD, Schema, index_name

IGNORED_TABLES = {"alembic_version", "sqlite_sequence"}


@dataclass
class Step:
    """One change. ``kind``: add_table, add_column, add_index, widen, convert, on_delete, backfill, trgm_index,
    search_index (SQLite's FTS5 table for quick search, see :mod:`trellis.data.search_index`), fill_line /
    forget_line (an ancestor table of :mod:`trellis.data.reporting_lines` (re)filled, or no longer kept), drop_index
    (the B-tree index earlier versions made on ``_search``, which no query uses; no data is lost)."""

    kind: str
    table: str
    detail: str = ""
    sql: str = ""
    target: Any = None          # the SQLAlchemy object to create (Table, Column, Index) or the new type

    def __str__(self) -> str:
        if self.kind == "add_table":
            return f"+ table {self.table}"
        if self.kind == "add_column":
            return f"+ column {self.table}.{self.detail} {self.sql}"
        if self.kind in ("add_index", "trgm_index"):
            return f"+ index {self.detail}"
        if self.kind == "drop_index":
            return f"- index {self.detail} (unused)"
        if self.kind == "search_index":
            return f"+ search index {self.detail} (fts5 trigram on {self.table}.{SEARCH_COLUMN})"
        if self.kind == "backfill":
            return f"+ fill {self.table}.{self.detail}"
        if self.kind == "fill_line":
            return f"+ fill {self.table} (reporting line of {self.detail})"
        if self.kind == "forget_line":
            return f"- reporting line {self.table} (no rule uses it; the table is left as it is)"
        if self.kind == "on_delete":
            return f"~ on_delete {self.table}.{self.detail} {self.sql}"
        return f"~ column {self.table}.{self.detail} {self.sql}"


@dataclass
class Orphan:
    """A column (or, with ``column`` None, a table) in the database that the metadata no longer has."""

    table: str
    column: str | None
    values: int

    def __str__(self) -> str:
        if self.column is None:
            return f"! orphaned table {self.table} (kept, {self.count})"
        return f"! orphaned column {self.table}.{self.column} (kept, {self.count})"

    @property
    def count(self) -> str:
        """``"12 values"``, ``"1 row"``: what dropping it would remove."""
        word = "row" if self.column is None else "value"
        return f"{self.values} {word}{'' if self.values == 1 else 's'}"


@dataclass
class Refusal:
    """A type change not made, and why."""

    table: str
    column: str
    old: str
    new: str
    reason: str

    def __str__(self) -> str:
        if not self.old:                  # not a type change: ``new`` names what was refused
            return f"! refused: {self.new} {self.table}.{self.column}: {self.reason}"
        return f"! refused: {self.table}.{self.column} {self.old} -> {self.new}: {self.reason}"


@dataclass
class Plan:
    """What :func:`apply` would do (``steps``) and what it will not (``orphaned``, ``refused``)."""

    steps: list[Step] = field(default_factory=list)
    orphaned: list[Orphan] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plan as the lines ``trellis migrate --dry-run`` prints."""
        return [str(x) for x in (*self.steps, *self.orphaned, *self.refused)]


def target_metadata(schema: Schema) -> sa.MetaData:
    """The tables the database should have: the entities' and any ``db.Model`` tables of other subsystems."""
    from trellis.data.database import db

    extra = [t for name, t in db.metadata.tables.items() if name not in schema.metadata.tables]
    if not extra:
        return schema.metadata
    combined = sa.MetaData()
    for table in (*schema.metadata.tables.values(), *extra):
        table.to_metadata(combined)
    return combined


def plan(engine: Engine | Connection, schema: Schema, convert: bool = False) -> Plan:
    """Compare the database with ``schema`` and return the additive plan (reads only)."""
    if isinstance(engine, Connection):
        return _plan(engine, schema, convert)
    with engine.connect() as connection:
        return _plan(connection, schema, convert)


def _plan(connection: Connection, schema: Schema, convert: bool) -> Plan:
    wanted = target_metadata(schema)
    result = Plan()
    new_tables: set[str] = set()
    diffs = _differences(connection, wanted)
    added_columns = {(d[2], d[3].name) for d in diffs if d[0] == "add_column"}
    for diff in diffs:
        kind = diff[0]
        if kind == "add_table":
            new_tables.add(diff[1].name)
            result.steps.append(Step("add_table", diff[1].name))
        elif kind == "add_column":
            _, _, table_name, column = diff
            sql = column.type.compile(dialect=connection.dialect)
            result.steps.append(Step("add_column", table_name, column.name, sql, target=column))
            if column.name == SEARCH_COLUMN:
                result.steps.append(Step("backfill", table_name, SEARCH_COLUMN))
        elif kind == "add_index" and diff[1].table.name not in new_tables:
            _new_index(connection, result, diff[1], added_columns)
        elif kind == "remove_index" and diff[1].name == index_name("ix", diff[1].table.name, [SEARCH_COLUMN]):
            result.steps.append(Step("drop_index", diff[1].table.name, diff[1].name))
        elif kind == "remove_table" and _is_ours(diff[1]):
            count = connection.execute(sa.select(sa.func.count()).select_from(sa.table(diff[1].name))).scalar()
            result.orphaned.append(Orphan(diff[1].name, None, count))
        elif kind == "remove_column":
            _, _, table_name, column = diff
            count = connection.execute(
                sa.select(sa.func.count(sa.column(column.name))).select_from(sa.table(table_name))).scalar()
            result.orphaned.append(Orphan(table_name, column.name, count))
        elif kind == "modify_type":
            _type_change(connection, result, diff, convert)
    result.steps.extend(_changed_foreign_keys(connection, diffs))
    result.steps.extend(_stale_search(connection, schema, new_tables, result.steps))
    # Tables are created with their indexes; columns of new tables come with the table.
    result.steps.sort(key=lambda s: _ORDER[s.kind])
    result.steps.extend(_trgm_steps(connection, schema))
    result.steps.extend(_search_index_steps(connection, schema, result.steps))
    result.steps.extend(_line_steps(connection, schema, new_tables))
    return result


def _differences(connection: Connection, wanted: sa.MetaData) -> list:
    """Alembic's differences between the database and ``wanted``, flattened.

    An empty database differs by every table and nothing else, so its list is made
    without Alembic's comparison (which reflects and compares for about a second).
    """
    if not sa.inspect(connection).get_table_names():
        return [("add_table", wanted.tables[name]) for name in sorted(wanted.tables)]
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    with warnings.catch_warnings():
        # Links may form cycles (user.team -> team, team.created_by -> user); create_all
        # handles them, so the comparison's warning about sort order is noise here.
        warnings.filterwarnings("ignore", message="Cannot correctly sort tables", category=sa.exc.SAWarning)
        return list(_flatten(compare_metadata(context, wanted)))


_ORDER = {"drop_index": 0, "add_table": 0, "add_column": 1, "widen": 2, "convert": 2, "on_delete": 2, "add_index": 3,
          "backfill": 4, "trgm_index": 5, "search_index": 5, "fill_line": 6, "forget_line": 6}


def _is_ours(table: sa.Table) -> bool:
    """True for a table Trellis made (an entity's or a many-to-many one): only those are reported or pruned.

    Tables that other software keeps in the same database are none of migrate's business.
    """
    if table.name in IGNORED_TABLES:
        return False
    return {"id", "version", "created_at", "updated_at"} <= set(table.c.keys()) or "__" in table.name


def _new_index(connection: Connection, result: Plan, index: sa.Index, added_columns: set) -> None:
    """Plan an index on an existing table; refuse a unique one that the current rows would violate."""
    table_name = index.table.name
    names = [c.name for c in index.columns]
    if index.unique and not any((table_name, n) in added_columns for n in names):
        cols = [sa.column(n) for n in names]
        duplicates = connection.execute(
            sa.select(*cols, sa.func.count()).select_from(sa.table(table_name))
            .where(*(c.is_not(None) for c in cols)).group_by(*cols).having(sa.func.count() > 1).limit(3)).all()
        if duplicates:
            examples = ", ".join(repr(row[0] if len(names) == 1 else tuple(row[:-1])) for row in duplicates)
            result.refused.append(Refusal(
                table_name, ", ".join(names), "", "unique index",
                f"some values appear more than once (e.g. {examples}); make them unique, then rerun"))
            return
    result.steps.append(Step("add_index", table_name, index.name, target=index))


def _changed_foreign_keys(connection: Connection, diffs: list) -> list[Step]:
    """Steps for link columns whose ``on_delete`` changed (Alembic reports a removed and an added key)."""
    removed = {_fk_key(d[1]): d[1] for d in diffs if d[0] == "remove_fk"}
    steps = []
    for diff in diffs:
        if diff[0] != "add_fk" or _fk_key(diff[1]) not in removed or len(diff[1].column_keys) != 1:
            continue
        new, old = diff[1], removed[_fk_key(diff[1])]
        table, column = new.table.name, new.column_keys[0]
        current = _rule(old.ondelete)
        if connection.dialect.name == "sqlite":       # SQLAlchemy's reflection misses inline rules
            current = schema_changes.sqlite_rules(connection, table).get(column, current)
        if current == _rule(new.ondelete):
            continue
        steps.append(Step("on_delete", table, column, f"{current.lower()} -> {_rule(new.ondelete).lower()}",
                          target=new))
    return steps


def _fk_key(constraint: sa.ForeignKeyConstraint) -> tuple:
    return constraint.table.name, tuple(constraint.column_keys), constraint.referred_table.name


def _rule(ondelete: str | None) -> str:
    return (ondelete or "NO ACTION").upper()


def _flatten(diffs):
    # compare_metadata nests column-level changes (modify_*) in lists, one per column.
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _type_change(connection: Connection, result: Plan, diff, convert: bool) -> None:
    _, _, table_name, column_name, _, old, new = diff
    if schema_types.same_type(old, new):
        return
    old_name, new_name = schema_types.describe(old), schema_types.describe(new)
    detail = f"{old_name} -> {new_name}"
    if schema_types.is_widening(old, new):
        result.steps.append(Step("widen", table_name, column_name, detail, target=(old, new)))
        return
    failures, total = _unconvertible(connection, table_name, column_name, old, new)
    if failures:
        examples = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in failures[:3])
        what = "value does not" if len(failures) == 1 else "values do not"
        fix = "rerun with --convert after fixing them" if not convert else "fix them, then rerun with --convert"
        reason = f"{len(failures)} {what} convert (e.g. {examples}); {fix}"
        result.refused.append(Refusal(table_name, column_name, old_name, new_name, reason))
    elif not convert:
        reason = f"could lose data; all {total} values convert: rerun with --convert to convert them"
        result.refused.append(Refusal(table_name, column_name, old_name, new_name, reason))
    else:
        result.steps.append(Step("convert", table_name, column_name, f"{detail} ({total} values)", target=(old, new)))


def _unconvertible(connection: Connection, table: str, column: str, old, new) -> tuple[list, int]:
    """The distinct values of ``table.column`` that do not convert to ``new``, and the count of values."""
    col = sa.column(column, old)
    rows = connection.execute(sa.select(col).select_from(sa.table(table)).where(col.is_not(None)).distinct())
    failures, total = [], 0
    for (value,) in rows:
        total += 1
        try:
            schema_types.convert_value(value, new)
        except (ValueError, TypeError):
            failures.append(value)
    return failures, total


def fingerprints(schema: Schema) -> dict[str, str]:
    """What the bookkeeping table should hold once the database matches ``schema``."""
    kept = {f"search:{e.name}": f"{SEARCH_FOLD}:" + ",".join(e.search) for e in schema.entities.values() if e.search}
    kept.update({f"line:{line.name}": reporting_lines.FORMAT for line in schema.lines.values()})
    return kept


def _stored_fingerprints(connection: Connection) -> dict[str, str]:
    """The bookkeeping table's keys and values (empty before the first migrate)."""
    if not sa.inspect(connection).has_table(BOOKKEEPING_TABLE):
        return {}
    table = sa.table(BOOKKEEPING_TABLE, sa.column("key"), sa.column("value"))
    return dict(connection.execute(sa.select(table.c.key, table.c.value)).all())


def _line_steps(connection: Connection, schema: Schema, new_tables: set[str]) -> list[Step]:
    """Fill each ancestor table the record service has not kept since it was made (new, or a rule that
    uses it again after a migrate without one) or kept in an older layout of its rows
    (:data:`trellis.data.reporting_lines.FORMAT`); forget those no rule uses, so a later one is refilled."""
    stored = {key: value for key, value in _stored_fingerprints(connection).items() if key.startswith("line:")}
    steps = [Step("fill_line", line.name, f"{entity}.{manager}")
             for (entity, manager), line in sorted(schema.lines.items())
             if stored.get(f"line:{line.name}") != reporting_lines.FORMAT or line.name in new_tables]
    wanted = {f"line:{line.name}" for line in schema.lines.values()}
    return steps + [Step("forget_line", key.removeprefix("line:")) for key in sorted(set(stored) - wanted)]


def _stale_search(connection: Connection, schema: Schema, new_tables: set[str], steps: list[Step]) -> list[Step]:
    """Refill ``_search`` of existing tables whose ``search:`` fields, or the folding of their text
    (:data:`trellis.data.schema.SEARCH_FOLD`), changed since the last migrate."""
    stored = _stored_fingerprints(connection)
    filling = {s.table for s in steps if s.kind == "backfill"}
    return [Step("backfill", key.removeprefix("search:"), SEARCH_COLUMN)
            for key, value in fingerprints(schema).items() if key.startswith("search:")
            and stored.get(key) != value and key.removeprefix("search:") not in new_tables | filling]


def _write_fingerprints(connection: Connection, schema: Schema) -> None:
    table = sa.table(BOOKKEEPING_TABLE, sa.column("key"), sa.column("value"))
    wanted = fingerprints(schema)
    connection.execute(table.delete().where(sa.or_(table.c.key.like("search:%"), table.c.key.like("line:%"))))
    if wanted:
        connection.execute(table.insert(), [{"key": k, "value": v} for k, v in wanted.items()])


def _trgm_steps(connection: Connection, schema: Schema) -> list[Step]:
    """PostgreSQL only: a trigram GIN index on each ``_search`` column, when pg_trgm can be had."""
    if connection.dialect.name != "postgresql":
        return []
    available = connection.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if not available:
        return []
    inspector = sa.inspect(connection)
    existing_tables = set(inspector.get_table_names())
    steps = []
    for table in schema.tables.values():
        if SEARCH_COLUMN not in table.c:
            continue
        name = search_index.trgm_index_name(table.name)
        if table.name in existing_tables and any(ix["name"] == name for ix in inspector.get_indexes(table.name)):
            continue
        steps.append(Step("trgm_index", table.name, name))
    return steps


def _search_index_steps(connection: Connection, schema: Schema, steps: list[Step]) -> list[Step]:
    """SQLite only: an FTS5 trigram table for each ``_search`` column that lacks one (or its triggers).

    A step that rebuilds a table on SQLite (a changed ``on_delete`` or column type) drops
    the table's triggers with it, and refilling ``_search`` is quicker without them (a
    trigger call per row, against one pass over the table after), so such a table gets
    its search index made again too.
    """
    if connection.dialect.name != "sqlite" or not search_index.sqlite_supported():
        return []
    rebuilt = {s.table for s in steps if s.kind in ("on_delete", "widen", "convert", "backfill")}
    return [Step("search_index", table.name, search_index.fts_table(table.name))
            for table in schema.tables.values()
            if SEARCH_COLUMN in table.c
            and (table.name in rebuilt or not search_index.sqlite_present(connection, table.name))]


def apply(engine: Engine, schema: Schema, the_plan: Plan, echo: Callable[[str], None] = lambda line: None) -> None:
    """Run ``the_plan`` in one transaction, calling ``echo`` with one line per step applied."""
    if not the_plan.steps:
        return
    with schema_changes.migration_connection(engine) as connection:
        operations = Operations(MigrationContext.configure(connection))
        wanted = target_metadata(schema)
        new_tables = [wanted.tables[s.table] for s in the_plan.steps if s.kind == "add_table"]
        if new_tables:
            # create_all orders the tables and handles foreign-key cycles (user <-> team).
            wanted.create_all(connection, tables=new_tables, checkfirst=False)
        trgm_ok = None
        for step in the_plan.steps:
            if step.kind == "add_column":
                schema_changes.add_column(connection, operations, step)
            elif step.kind == "drop_index":
                operations.drop_index(step.detail, table_name=step.table)
            elif step.kind == "add_index":
                index = step.target
                operations.create_index(index.name, step.table, [c.name for c in index.columns], unique=index.unique)
            elif step.kind == "on_delete":
                schema_changes.change_on_delete(connection, operations, step)
            elif step.kind in ("widen", "convert"):
                schema_changes.change_type(connection, operations, step)
            elif step.kind == "backfill":
                if connection.dialect.name == "sqlite":   # made again by this plan's search_index step
                    search_index.drop_sqlite(connection, step.table)
                schema_changes.backfill_search(connection, schema, step.table)
            elif step.kind == "search_index":
                search_index.create_sqlite(connection, step.table)
            elif step.kind == "fill_line":
                reporting_lines.rebuild(connection, schema,
                                        {pair for pair, line in schema.lines.items() if line.name == step.table})
            elif step.kind == "trgm_index":
                trgm_ok = schema_changes.trgm_index(connection, step) if trgm_ok is not False else False
                if not trgm_ok:
                    continue
            echo(str(step))
        _write_fingerprints(connection, schema)


def upgrade(app, convert: bool = False, echo: Callable[[str], None] = lambda line: None) -> Plan:
    """Plan and apply the additive changes for ``app``'s metadata; returns the plan applied."""
    from trellis.data.database import db
    from trellis.runtime import runtime

    schema = runtime(app).schema
    with app.app_context():
        engine = db.engine
        the_plan = plan(engine, schema, convert=convert)
        apply(engine, schema, the_plan, echo)
    return the_plan
