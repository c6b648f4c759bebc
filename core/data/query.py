"""The query builder: filters, quick search, sorting and keyset pagination over one entity.

Every list page, API listing, export and lookup reads through here, so that the
acting user's ``read_filter`` is ANDed into every query and count, and nothing
a request carries reaches SQL text: field names and operators are checked
against the metadata and become column objects, values become bound parameters.

    page = svc.query("deal").filter(stage="won", amount__gte=100).search("ivan") \\
              .order_by("-amount").page(size=50)

Pagination is by cursor (the last row's sort values plus its id), so page 1,000
costs what page 1 costs; counts stop at a cap and say so.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, String, and_, cast, false, func, literal, or_, select, true, union_all
from sqlalchemy.sql import visitors
from trellis.data import search_index
from trellis.data.coerce import coerce_value
from trellis.data.record import SYSTEM_FIELDS, Link, Record
from trellis.data.report_cache import cached_rows
from trellis.data.schema import SEARCH_COLUMN, link_columns, link_target, search_key
from trellis.data.storage import as_utc, load_links, many_fields, records_from_rows
from trellis.errors import ValidationError
from trellis.metadata.model import Entity, Field

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "startswith", "isnull")
COUNT_CAP = 1000
MAX_PAGE_SIZE = 500
SEARCH_PROBE = 2000   # rows read along the sort order before a quick search asks the trigram index for all matches
_NAME_PREFIX = "__name__"
_SORT_PREFIX = "__sort__"   # a link's title as a sort key (see Query._sort_column)
_SYSTEM_TYPES = {"id": "integer", "version": "integer", "created_at": "datetime", "updated_at": "datetime",
                 "created_by": "integer", "updated_by": "integer"}
_NOT_NULL = ("id", "version", "created_at", "updated_at")  # system columns that are never NULL
_UNSORTABLE = ("json", "multiselect", "tags", "links", "children")
TEXT_TITLES = ("string", "text", "email", "phone", "url", "selection")   # titles shown as stored


class QueryError(ValidationError):
    """A filter, sort, search or cursor the query builder refuses; ``fields`` names the parameter."""


@dataclass
class Page:
    """One page of rows. ``count`` is exact up to the cap; ``count_capped`` says there are more."""

    rows: list[Record]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    count: int | None = None
    count_capped: bool = False


@dataclass
class _Key:
    name: str
    column: Any
    descending: bool
    field: Field


@dataclass
class _State:
    filters: list[Any] = field(default_factory=list)
    order: list[tuple[str, bool]] | None = None
    search: list[str] = field(default_factory=list)    # quick search words, through search_key


class Query:
    """A query over one entity as the service's user; each method returns a new Query."""

    def __init__(self, service, entity: Entity, state: _State | None = None):
        self._service = service
        self._entity = entity
        self._state = state or _State()
        self._table = service.schema.tables[entity.name]
        self._indexed: bool | None = None   # whether the search index exists, once asked (see _search_indexed)

    def _with(self, filters: list[Any] | None = None, order: list[tuple[str, bool]] | None = None,
              search: list[str] | None = None) -> Query:
        state = _State(self._state.filters + (filters or []), order if order is not None else self._state.order,
                       self._state.search + (search or []))
        return Query(self._service, self._entity, state)

    # --- building ----------------------------------------------------------------------

    def filter(self, *mappings: Mapping[str, Any], **conditions: Any) -> Query:
        """Rows matching every condition: ``field=value`` or ``field__op=value``.

        ``op`` is one of ``OPERATORS``; values are coerced by the field's type
        (``in`` takes a list or comma-separated text, ``isnull`` a yes/no). A date
        given for a date-time field means that whole day (``created_at__lte="2026-01-31"``
        includes the 31st). Unknown fields or operators raise QueryError naming the parameter.
        """
        items = [item for mapping in mappings for item in mapping.items()] + list(conditions.items())
        return self._with(filters=[self._condition(str(key), value) for key, value in items])

    def search(self, term: str | None) -> Query:
        """Rows whose ``search:`` fields contain every word of ``term``, in any letter case or script."""
        # A control character (NUL above all) is never in stored text, SQLite's FTS5 reads NUL as the
        # end of the query and PostgreSQL refuses it: it separates words like a space.
        typed = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in str(term or ""))
        words = search_key(typed).split()
        if not words:
            return self
        if SEARCH_COLUMN not in self._table.c:
            raise QueryError({"q": f"{self._entity.name} has no search fields"})
        return self._with(search=words)

    def order_by(self, *names: str) -> Query:
        """Sort by fields (``"-amount"`` descending); ``id`` is always the final tiebreaker."""
        order = []
        for raw in names:
            for name in str(raw).split(","):
                name = name.strip()
                if name:
                    descending = name.startswith("-")
                    order.append((name.lstrip("-+"), descending))
        for name, _ in order:
            column, fld = self._column(name, "sort")
            if fld.type in _UNSORTABLE:
                raise QueryError({"sort": f"cannot sort by '{name}'"})
        return self._with(order=order)

    # --- running -----------------------------------------------------------------------

    def page(self, size: int | None = None, cursor: str | None = None, direction: str | None = None,
             count: bool = True, count_cap: int = COUNT_CAP) -> Page:
        """One page of ``size`` rows after (``direction="next"``) or before (``"prev"``) ``cursor``.

        ``size`` defaults to the entity's ``list.page_size``; ``direction`` to the one
        the cursor was made for (``next_cursor`` reads on, ``prev_cursor`` back).

        Link fields read ``Link(3, "Ann")`` (``== 3``, ``.name``: names joined in the same
        query); ``links`` fields a list of ids (one query per such field per page).
        """
        try:
            size = int(size if size is not None else self._entity.list.page_size)
        except (TypeError, ValueError):
            raise QueryError({"size": "must be a whole number"}) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise QueryError({"size": f"must be between 1 and {MAX_PAGE_SIZE}"})
        keys = self._keys()
        after, cursor_direction = self._decode(cursor, keys) if cursor else (None, "next")
        direction = direction or cursor_direction
        if direction not in ("next", "prev"):
            raise QueryError({"direction": "must be 'next' or 'prev'"})
        backwards = direction == "prev"
        with self._service._unit(write=False) as connection:
            rows: list[Any] = []
            for region in _regions(keys, after, backwards):
                if len(rows) > size:
                    break
                rows += self._read(connection, keys, region, backwards, size + 1 - len(rows))
            more = len(rows) > size
            rows = rows[:size]
            if backwards:
                rows.reverse()
            records = self._records(connection, rows, self._names())
            total, capped = self._count(connection, count_cap) if count else (None, False)
        page = Page(records, count=total, count_capped=capped)
        if rows:
            first, last = self._encode(keys, rows[0], "prev"), self._encode(keys, rows[-1], "next")
            page.next_cursor = last if (more or backwards) else None
            page.prev_cursor = first if ((more and backwards) or (not backwards and after is not None)) else None
        return page

    def count(self, cap: int = COUNT_CAP) -> tuple[int, bool]:
        """``(count, capped)``: exact up to ``cap``, then ``(cap, True)``."""
        with self._service._unit(write=False) as connection:
            return self._count(connection, cap)

    def first(self) -> Record | None:
        """The first row in this order, or None."""
        rows = self.page(size=1, count=False).rows
        return rows[0] if rows else None

    def iterate(self, batch: int = 200) -> Iterator[Record]:
        """Every matching row, a page at a time (for exports)."""
        cursor = None
        while True:
            page = self.page(size=batch, cursor=cursor, count=False)
            yield from page.rows
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    # --- aggregates (reports) -------------------------------------------------------------

    @property
    def table(self) -> Any:
        """The entity's table (for reports that build their own aggregate SELECT over it)."""
        return self._table

    def column(self, name: str, parameter: str = "report") -> tuple[Any, Field]:
        """The column and field of ``name``; QueryError when the user may not read it or it is not stored."""
        return self._column(name, parameter)

    def conditions(self, mapping: Mapping[str, Any]) -> Any:
        """The filters of ``mapping`` (as :meth:`filter` takes them) as one SQL condition, for a measure's ``where``."""
        return and_(true(), *(self._condition(str(key), value) for key, value in mapping.items()))

    def aggregate(self, build, cached: bool = False) -> list[Any]:
        """Rows of the statement ``build(dialect_name)`` returns, with this query's filters, search and the
        user's read rule added to its WHERE: one aggregate (GROUP BY) query over the rows the user may read.
        ``cached``: from the report cache while the tables it reads are unchanged (:mod:`trellis.data.report_cache`)."""
        with self._service._unit(write=False) as connection:
            statement = build(connection.dialect.name).where(*self._where(connection))
            if cached:
                return cached_rows(self._service.app, connection, statement)
            return list(connection.execute(statement))

    def stream(self, build, size: int = 1000) -> Iterator[list[Any]]:
        """:meth:`aggregate` for statements of many rows: yields them in lists of at most ``size``.

        The rows come through a server-side cursor (PostgreSQL) or SQLite's own stepping,
        so a job reads a million rows while holding one list at a time. The read lasts
        until the generator is exhausted or closed; to write while reading (scores computed
        from the rows), run both inside ``records.transaction()`` so that they share one
        transaction and commit together::

            with records.transaction():
                for rows in records.query("order").stream(build, size=2000):
                    records.update_many("contact", {row.contact: {...} for row in rows})
        """
        if not 0 < size <= 100_000:
            raise QueryError({"size": "must be between 1 and 100000"})
        with self._service._unit(write=False) as connection:
            statement = build(connection.dialect.name).where(*self._where(connection))
            result = connection.execute(statement, execution_options={"yield_per": size})
            try:
                for rows in result.partitions(size):
                    yield list(rows)
            finally:
                result.close()

    def read_columns(self) -> set[str]:
        """The names of this entity's columns that its filters and the user's read rule read (not the quick
        search): with the columns a statement selects, what an index must hold to answer it alone."""
        service = self._service
        clauses = [*self._state.filters, service.access.read_filter(service.user, self._entity.name, self._table)]
        return {element.name for clause in clauses if clause is not None
                for element in visitors.iterate(clause) if isinstance(element, Column) and element.table is self._table}

    def first_titles(self, size: int, connection) -> Any:
        """A statement of this query's first ``size`` rows, in its order, as ``(row_position, id, title)``
        (``title`` the entity's title column, NULL when the user may not read it), for :func:`first_titles`.

        QueryError when the entity has no title stored as text (those need formatting: read a page).
        """
        title = self._entity.fields.get(self._entity.title) if self._entity.title else None
        if title is None or title.type not in TEXT_TITLES or not title.column:
            raise QueryError({"title": f"{self._entity.name} has no text title"})
        readable = self._readable()
        value = self._table.c[title.column] if readable is None or title.name in readable else literal(None)
        statement = select(self._table.c.id).select_from(self._table).where(*self._where(connection))
        keys = self._keys()
        ordering = _region_ordering(keys, False)
        if keys[0].name not in _NOT_NULL:   # one statement reads both regions (see _regions): NULLs last
            ordering[0] = ordering[0].nulls_last()
        position = func.row_number().over(order_by=ordering).label("row_position")
        return statement.with_only_columns(position, self._table.c.id.label("id"),
                                           cast(value, String).label("title")).order_by(*ordering).limit(size)

    # --- SQL ---------------------------------------------------------------------------

    def _where(self, connection, search: bool = True) -> list[Any]:
        """Filters, the read rule and (unless ``search`` is False) the quick search, as WHERE clauses."""
        clauses = list(self._state.filters) + (self._search_clauses(connection) if search else [])
        service = self._service
        limit = service.access.read_filter(service.user, self._entity.name, self._table)
        if limit is not None:
            clauses.append(limit)
        return clauses

    def _search_clauses(self, connection) -> list[Any]:
        """The quick search words as conditions, through SQLite's FTS table when it has one.

        PostgreSQL's pg_trgm index serves ``LIKE`` itself. On SQLite, words of three
        characters or more go to the FTS5 table (:mod:`trellis.data.search_index`)
        once ``trellis migrate`` has made it; shorter words, and databases not yet
        migrated, use ``LIKE`` on ``_search``: the same rows either way.
        """
        words = self._state.search
        visible = self._visible_search() if words else None
        if visible is not None:
            return [or_(false(), *(cast(c, String).ilike(f"%{_escape(w)}%", escape="\\") for c in visible))
                    for w in words]
        column = self._table.c[SEARCH_COLUMN] if words else None
        use: list[str] = []
        if words and connection.dialect.name == "sqlite" and self._search_indexed(connection):
            use = [w for w in words if len(w) >= search_index.MIN_WORD]
        clauses = [search_index.sqlite_condition(self._table, use)] if use else []
        return clauses + [column.like(f"%{_escape(w)}%", escape="\\") for w in words if w not in use]

    def _visible_search(self) -> list[Any] | None:
        """The columns of the search fields the viewer may see, when some search field is hidden
        from them (else None: ``_search`` and its index hold nothing they may not see).

        ``_search`` joins every search field: matching on it would let a viewer recover a hidden
        field a character at a time, so such a viewer searches the visible columns themselves.
        """
        readable = self._readable()
        names = list(self._entity.search)
        if readable is None or all(name in readable for name in names):
            return None
        fields = [self._entity.fields[name] for name in names if name in readable and name in self._entity.fields]
        return [self._table.c[f.column] for f in fields if f.column and f.type not in ("link", "user", "links")]

    def _search_indexed(self, connection) -> bool:
        """Whether the table's search index exists: asked once per query (a page asks up to five
        times), even while the answer is no (the schema remembers only a yes, across queries)."""
        if self._indexed is None:
            self._indexed = self._service.schema.search_ready(connection, self._table.name)
        return self._indexed

    def _readable(self) -> set[str] | None:
        return self._service.access.readable_fields(self._service.user, self._entity.name)

    # A page is read in two steps inside one statement: first the ids (and sort values) of
    # its rows, from the entity's table alone, then those rows with the names of their
    # linked records. The joins run for the page's rows only, not for every row the
    # database has to look at to find them (all the matches of a search, say).

    def _read(self, connection, keys: list[_Key], region: Any, backwards: bool, need: int) -> list[Any]:
        """Up to ``need`` rows of one region (see :func:`_regions`), in page order."""
        indexable = any(len(w) >= search_index.MIN_WORD for w in self._state.search)
        if not indexable or self._visible_search() is not None or not self._search_indexed(connection):
            ids = self._ids(select(*self._key_columns(keys)).where(*self._where(connection), region), keys,
                            backwards, need)
            return list(connection.execute(self._rows(ids, keys, backwards)).mappings())
        rows = list(connection.execute(self._rows(self._probe(connection, keys, region, backwards, need), keys,
                                                  backwards)).mappings())
        if len(rows) < need:
            rows = list(connection.execute(self._rows(self._matches(connection, keys, region, backwards, need),
                                                      keys, backwards)).mappings())
        return rows

    def _probe(self, connection, keys: list[_Key], region: Any, backwards: bool, need: int):
        """The first matches among the first :data:`SEARCH_PROBE` rows in page order.

        A word found in most rows (the domain of every e-mail address) is answered here
        by reading a few rows along the sort index; only when these rows hold too few
        matches does :meth:`_matches` ask the trigram index for all of them.
        """
        window = (select(*self._key_columns(keys), self._table.c[SEARCH_COLUMN])
                  .where(*self._where(connection, search=False), region)
                  .order_by(*_region_ordering(keys, backwards)).limit(SEARCH_PROBE).subquery("window"))
        found = window.c[SEARCH_COLUMN]
        return self._ids(select(*(window.c[c.name] for c in self._key_columns(keys)))
                         .where(*(found.like(f"%{_escape(w)}%", escape="\\") for w in self._state.search)),
                         keys, backwards, need, source=window)

    def _matches(self, connection, keys: list[_Key], region: Any, backwards: bool, need: int):
        """Every match, from the trigram index, sorted for the page: cost grows with the matches, not the table.

        On PostgreSQL the matches are a MATERIALIZED CTE: otherwise the planner may walk the
        sort index and test every row, expecting matches early in the order, which a common
        surname (a run of equal sort values) is not.
        """
        matches = (select(*self._key_columns(keys)).where(*self._where(connection), region)
                   .cte("matches").prefix_with("MATERIALIZED", dialect="postgresql"))
        return self._ids(select(*matches.c), keys, backwards, need, source=matches)

    def _key_columns(self, keys: list[_Key]) -> list[Any]:
        columns = {"id": self._table.c.id}
        for key in keys:
            columns.setdefault(key.column.name, key.column)
        return list(columns.values())

    def _ids(self, statement, keys: list[_Key], backwards: bool, need: int, source: Any = None):
        """``statement`` (ids and sort values) ordered for the page and limited to ``need`` rows."""
        columns = source.c if source is not None else None
        return statement.order_by(*_region_ordering(keys, backwards, columns)).limit(need)

    def _rows(self, ids, keys: list[_Key], backwards: bool):
        """The page's rows (``ids`` a statement of ids and sort values) with their linked records' names."""
        table, readable = self._table, self._readable()
        page = ids.subquery("page")
        columns = [table.c[name] for name in SYSTEM_FIELDS]
        joins = page.join(table, table.c.id == page.c.id)
        for fld in self._entity.fields.values():
            if not fld.column or (readable is not None and fld.name not in readable):
                continue
            columns.append(table.c[fld.column])
            title = self._title_column(fld)
            if title is not None:
                target = link_target(fld)
                alias = self._service.schema.alias(target, f"l_{fld.name}")
                # The linked record's name under the viewer's own read rules and field rules: a link
                # to a record they may not read (or whose title is hidden) carries its id alone.
                access, user = self._service.access, self._service.user
                allowed = access.read_filter(user, target, alias)
                on = alias.c.id == table.c[fld.column]
                joins = joins.outerjoin(alias, on if allowed is None else and_(on, allowed))
                shown = access.readable_fields(user, target)
                title_field = self._service.metadata.entities[target].title
                name = alias.c[title] if shown is None or title_field in shown else literal(None)
                columns.append(name.label(_NAME_PREFIX + fld.name))
        columns += [page.c[key.column.name] for key in keys if key.column.name.startswith(_SORT_PREFIX)]
        return select(*columns).select_from(joins).order_by(*_region_ordering(keys, backwards, page.c))

    def _title_column(self, fld: Field) -> str | None:
        """The column of the title of the record ``fld`` links to, when its name is shown with the link."""
        target = link_target(fld)
        target_entity = self._service.metadata.entities.get(target) if target else None
        title = target_entity.fields.get(target_entity.title) if target_entity and target_entity.title else None
        if target_entity is None or title is None or not title.column or target not in self._tables():
            return None
        return title.column

    def _names(self) -> list[Field]:
        """The readable link fields whose linked record's name each row carries."""
        readable = self._readable()
        return [f for f in self._entity.fields.values()
                if f.column and (readable is None or f.name in readable) and self._title_column(f) is not None]

    def _tables(self) -> dict[str, Any]:
        return self._service.schema.tables

    def _count(self, connection, cap: int) -> tuple[int, bool]:
        inner = select(literal(1)).select_from(self._table)
        for clause in self._where(connection):
            inner = inner.where(clause)
        found = connection.execute(select(func.count()).select_from(inner.limit(cap + 1).subquery())).scalar()
        return (cap, True) if found > cap else (found, False)

    def _records(self, connection, rows: list[Any], names: list[Field]) -> list[Record]:
        readable = self._readable()
        fields = [f for f in self._entity.fields.values()
                  if f.column and (readable is None or f.name in readable)]
        # The SELECT (see _build_select) holds every system column and every readable field's column.
        records = records_from_rows(self._entity, rows, fields)
        links = [(fld.name, fld.column, _NAME_PREFIX + fld.name) for fld in names]
        for record, row in zip(records, rows, strict=True):
            for name, column, title in links:
                linked = row[column]
                record[name] = None if linked is None else Link(linked, row[title])
        ids = [r.id for r in records]
        for fld in many_fields(self._entity, self._service.schema):
            if readable is None or fld.name in readable:
                linked = load_links(connection, self._service.schema, self._entity, fld, ids)
                for record in records:
                    record[fld.name] = linked.get(record.id, [])
        return records

    # --- names, values and conditions -----------------------------------------------

    def _column(self, name: str, parameter: str) -> tuple[Any, Field]:
        """The column and field of ``name``, if it is a field the user may read."""
        if name in _SYSTEM_TYPES:
            return self._table.c[name], Field(name, _SYSTEM_TYPES[name])
        fld = self._entity.fields.get(name)
        readable = self._readable()
        if fld is None or (readable is not None and name not in readable):
            raise QueryError({parameter: f"unknown field '{name}' of {self._entity.name}"})
        if not fld.column:
            if (self._entity.name, fld.name) in self._service.schema.links:
                return None, fld
            raise QueryError({parameter: f"cannot filter or sort by '{name}'"})
        return self._table.c[fld.column], fld

    def _value(self, fld: Field, value: Any, parameter: str) -> Any:
        if fld.type == "links":
            fld = Field(fld.name, "link")
        ftype = self._service.metadata.field_types.get(fld.type)
        try:
            return coerce_value(value, fld, ftype)
        except ValueError as e:
            raise QueryError({parameter: f"{value!r} {e}"}) from None
        except Exception:  # a plugin coercer failing on odd input is still the caller's bad value
            raise QueryError({parameter: f"{value!r} is not a valid value"}) from None

    def _condition(self, key: str, value: Any) -> Any:
        name, _, op = key.partition("__")
        op = op or "eq"
        if op not in OPERATORS:
            raise QueryError({key: f"unknown operator '{op}' (use one of: {', '.join(OPERATORS)})"})
        column, fld = self._column(name, key)
        if column is None:
            return self._links_condition(fld, op, value, key)
        if op == "isnull":
            wanted = self._value(Field(name, "boolean"), value, key)
            return column.is_(None) if wanted else column.is_not(None)
        if op == "in":
            items = value.split(",") if isinstance(value, str) else value
            if not isinstance(items, list | tuple | set):
                raise QueryError({key: "must be a list"})
            values = [self._value(fld, item, key) for item in items]
            return column.in_(values) if values else false()
        if op in ("contains", "startswith"):
            return self._text_condition(column, fld, op, value, key)
        if fld.type in ("json", "multiselect", "tags"):
            raise QueryError({key: f"'{name}' can be filtered with contains or isnull only"})
        if fld.type == "datetime" and _is_day(value) and op != "ne":
            return _day_condition(column, op, self._value(Field(name, "date"), value, key))
        coerced = self._value(fld, value, key)
        if coerced is None or coerced == []:
            if op in ("eq", "ne"):
                return column.is_(None) if op == "eq" else column.is_not(None)
            raise QueryError({key: "needs a value"})
        return {"eq": column.__eq__, "ne": column.__ne__, "lt": column.__lt__, "lte": column.__le__,
                "gt": column.__gt__, "gte": column.__ge__}[op](coerced)

    def _text_condition(self, column: Any, fld: Field, op: str, value: Any, key: str) -> Any:
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
            raise QueryError({key: "needs some text"})
        if "\x00" in str(value):  # never in stored text; PostgreSQL refuses it in a statement
            raise QueryError({key: "must not contain NUL characters"})
        text = _escape(str(value))
        if fld.type in ("multiselect", "tags"):
            # The list is stored as JSON text: match one whole quoted item.
            if op != "contains":
                raise QueryError({key: f"'{fld.name}' can be filtered with contains or isnull only"})
            item = _escape(json.dumps(str(value), ensure_ascii=False))
            return cast(column, String).like(f"%{item}%", escape="\\")
        if fld.type not in ("string", "text", "html", "email", "phone", "url", "selection", "file"):
            raise QueryError({key: f"'{op}' works on text fields, not on '{fld.name}'"})
        pattern = f"%{text}%" if op == "contains" else f"{text}%"
        return column.ilike(pattern, escape="\\")

    def _links_condition(self, fld: Field, op: str, value: Any, key: str) -> Any:
        table = self._service.schema.links[(self._entity.name, fld.name)]
        near, far = link_columns(self._entity.name, fld)
        linked = select(table.c[near])
        if op == "isnull":
            wanted = self._value(Field(fld.name, "boolean"), value, key)
            exists = self._table.c.id.in_(linked)
            return ~exists if wanted else exists
        if op not in ("eq", "in"):
            raise QueryError({key: f"'{fld.name}' can be filtered with eq, in or isnull only"})
        items = value.split(",") if op == "in" and isinstance(value, str) else value
        ids = [self._value(fld, item, key) for item in (items if op == "in" else [items])]
        return self._table.c.id.in_(linked.where(table.c[far].in_(ids)))

    # --- keyset ------------------------------------------------------------------------

    def _keys(self) -> list[_Key]:
        order = self._state.order
        if order is None:
            order = list(self._entity.list.order) if self._entity.list.order else [("id", True)]
        keys = []
        for name, descending in order:
            column, fld = self._sort_column(*self._column(name, "sort"))
            keys.append(_Key(name, column, descending, fld))
            if name == "id":
                return keys
        keys.append(_Key("id", self._table.c.id, False, Field("id", "integer")))
        return keys

    def _sort_column(self, column: Any, fld: Field) -> tuple[Any, Field]:
        """What sorting by ``fld`` orders by: a link by the linked record's title (as the viewer may
        see it: NULL where they may not read the record or its title), anything else by its column.

        The title is a correlated subquery labelled ``__sort__<field>``; the keyset conditions and the
        cursor carry the title like any other sort value.
        """
        title = self._title_column(fld) if fld.type in ("link", "user") else None
        if title is None:
            return column, fld
        target = link_target(fld)
        access, user = self._service.access, self._service.user
        shown = access.readable_fields(user, target)
        if shown is not None and self._service.metadata.entities[target].title not in shown:
            return column, fld
        alias = self._service.schema.alias(target, f"s_{fld.name}")
        allowed = access.read_filter(user, target, alias)
        on = alias.c.id == column
        sort = select(alias.c[title]).where(on if allowed is None else and_(on, allowed)).scalar_subquery()
        return sort.label(_SORT_PREFIX + fld.name), Field(fld.name, "string")

    def _encode(self, keys: list[_Key], row: Any, direction: str) -> str:
        values = [_plain(row[key.column.name]) for key in keys]
        data = {"o": [[k.name, k.descending] for k in keys], "v": values, "d": direction}
        raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def _decode(self, cursor: str, keys: list[_Key]) -> tuple[list[Any], str]:
        bad = QueryError({"cursor": "is not a valid cursor for this list (start again from the first page)"})
        try:
            text = str(cursor)
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise bad from None
        if not isinstance(data, dict) or data.get("o") != [[k.name, k.descending] for k in keys]:
            raise bad
        values, direction = data.get("v"), data.get("d")
        if not isinstance(values, list) or len(values) != len(keys) or direction not in ("next", "prev"):
            raise bad
        decoded = []
        for key, value in zip(keys, values, strict=True):
            if value is None and key.name != "id":
                decoded.append(None)
                continue
            if not isinstance(value, str | int | bool) or value is None:
                raise bad
            try:
                decoded.append(as_utc(self._value(key.field, value, "cursor")))
            except QueryError:
                raise bad from None
        return decoded, direction


def _region_ordering(keys: list[_Key], backwards: bool, columns: Any = None) -> list[Any]:
    """ORDER BY inside one region (see :func:`_regions`): the first key needs no NULLS clause there,
    so an index on it serves the order; later keys put NULLs last going forward. ``columns``:
    a subquery's columns to order by instead of the table's."""
    ordering = []
    for position, key in enumerate(keys):
        descending = key.descending != backwards
        column = key.column if columns is None else columns[key.column.name]
        term = column.desc() if descending else column.asc()
        if position and key.name not in _NOT_NULL:
            term = term.nulls_first() if backwards else term.nulls_last()
        ordering.append(term)
    return ordering


def _regions(keys: list[_Key], cursor: list[Any] | None, backwards: bool) -> list[Any]:
    """WHERE clauses of the regions to read, in reading order, for a page after (or before) ``cursor``.

    The sort order puts rows whose first key is NULL after all others, in every
    direction. Reading the non-NULL rows and the NULL rows as two regions keeps each
    condition a plain range on the first key (``amount <= :v AND ...``), which an
    index serves, instead of ``... OR amount IS NULL``, which no index does. A page
    that crosses from one region to the next costs one more query.
    """
    first, rest = keys[0], keys[1:]
    column = first.column
    nullable = first.name not in _NOT_NULL
    descending = first.descending != backwards
    if cursor is None:
        non_null, nulls = (column.is_not(None), column.is_(None)) if nullable else (true(), None)
    elif cursor[0] is not None:
        bound, beyond = (column <= cursor[0], column < cursor[0]) if descending else \
            (column >= cursor[0], column > cursor[0])
        tail = _after(rest, cursor[1:], backwards)
        non_null = and_(bound, or_(beyond, and_(column == cursor[0], tail)) if tail is not None else beyond)
        nulls = column.is_(None) if nullable and not backwards else None
    else:
        tail = _after(rest, cursor[1:], backwards)
        nulls = and_(column.is_(None), tail if tail is not None else false())
        non_null = column.is_not(None) if backwards else None
    regions = [nulls, non_null] if backwards else [non_null, nulls]
    return [region for region in regions if region is not None]


def _after(keys: list[_Key], values: list[Any], backwards: bool) -> Any:
    """Rows strictly after the cursor row in the order of ``keys`` (NULLs last in every direction)."""
    if not keys:
        return None
    alternatives = []
    equal: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        column, descending = key.column, key.descending != backwards
        nullable = key.name not in _NOT_NULL
        if value is None:
            beyond = column.is_not(None) if backwards else false()
        else:
            beyond = column < value if descending else column > value
            if nullable and not backwards:
                beyond = or_(beyond, column.is_(None))
        alternatives.append(and_(*equal, beyond) if equal else beyond)
        equal.append(column.is_(None) if value is None else column == value)
    return or_(*alternatives)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _is_day(value: Any) -> bool:
    if isinstance(value, datetime):
        return False
    return isinstance(value, date) or (isinstance(value, str) and len(value.strip()) == 10)


def _day_condition(column: Any, op: str, day: date) -> Any:
    """A comparison of a date-time column with a whole day."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    if op == "eq":
        return and_(column >= start, column < end)
    return {"lt": column < start, "lte": column < end, "gt": column >= end, "gte": column >= start}[op]


def first_titles(queries: list[Query], size: int) -> list[list[tuple[int, str | None]] | None]:
    """For each query, ``(id, title)`` of its first ``size`` rows in its order, all read with one
    statement (a UNION ALL of :meth:`Query.first_titles`), each query's read rules applied.

    None for a query this cannot read (no text title, or a refused order): read its page instead.
    All queries must belong to the same record service (one user, one unit of work).
    """
    found: list[list[tuple[int, str | None]] | None] = [None] * len(queries)
    if not queries:
        return found
    with queries[0]._service._unit(write=False) as connection:
        branches = []
        for number, query in enumerate(queries):
            try:
                inner = query.first_titles(size, connection).subquery(f"q{number}")
            except QueryError:
                continue
            found[number] = []
            branches.append(select(literal(number).label("branch"), inner.c.row_position, inner.c.id,
                                   inner.c.title))
        if not branches:
            return found
        statement = union_all(*branches) if len(branches) > 1 else branches[0]
        for row in connection.execute(statement.order_by("branch", "row_position")):
            found[row.branch].append((row.id, row.title))
    return found
