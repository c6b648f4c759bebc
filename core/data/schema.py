"""Tables from metadata: one table per entity, many-to-many tables, and the history table.

``build_schema(metadata)`` turns the typed model into SQLAlchemy ``Table`` objects on a
``MetaData`` of its own (one per application, never a module global). Nothing here
talks to a database: ``trellis.data.migrate`` compares these tables with the database
and adds what is missing.

Choices that a reader of the database (or a BI tool) can rely on:

- each entity's table is named after the entity, with ``id``, ``version``,
  ``created_at``, ``created_by``, ``updated_at``, ``updated_by``;
- a stored field's column is named after the field, a link or user field ``<field>_id``;
- every field column is nullable. ``required`` is enforced by the record service,
  because ``ALTER TABLE ... ADD COLUMN ... NOT NULL`` fails on a table that already
  has rows, and a database must look the same whether it was created fresh or grown
  by ``trellis migrate``;
- selection options get no CHECK constraint: adding an option to the YAML must not
  need a table rebuild (SQLite cannot alter a CHECK), so the record service checks
  options;
- ``unique: true`` is a unique *index* (``uq_<table>_<column>``), not a constraint,
  because SQLite cannot ``ADD COLUMN ... UNIQUE`` but can ``CREATE UNIQUE INDEX``;
- quick search reads a shadow column ``_search`` holding :func:`search_text` of the
  ``search:`` fields (casefolded, NFKC, accents dropped: :func:`search_key`), which the record
  service fills on write and ``trellis migrate`` refills when the ``search:`` list or the folding
  (:data:`SEARCH_FOLD`) changes; migrate also gives it a
  trigram index: pg_trgm GIN on PostgreSQL (when the extension can be created), an FTS5
  table ``trellis_search_<entity>`` kept in step by triggers on SQLite
  (:mod:`trellis.data.search_index`);
- ``trellis_history`` holds field history (``old``/``new`` as JSON text) and
  ``trellis_schema`` what migrate remembers between runs.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Index, MetaData, Table
from trellis.data import reporting_lines
from trellis.errors import MetadataError, Problem
from trellis.metadata.model import Entity, Metadata
from trellis.metadata.model import Field as MetaField

HISTORY_TABLE = "trellis_history"
BOOKKEEPING_TABLE = "trellis_schema"      # what migrate needs to remember (e.g. each entity's search fields)
SEARCH_COLUMN = "_search"
SYSTEM_COLUMNS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by", SEARCH_COLUMN)
MAX_NAME = 63  # PostgreSQL's identifier limit; SQLite has none, but one rule for both keeps names stable

# Storage kind of each built-in field type, used when the metadata carries no FieldType
# for it (plugin types always come with one).
BUILTIN_STORAGE = {
    "string": "string", "email": "string", "phone": "string", "url": "string", "selection": "string",
    "file": "string",
    "text": "text", "html": "text",
    "integer": "integer",
    "decimal": "decimal", "money": "decimal", "percent": "decimal",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "json": "json", "multiselect": "json", "tags": "json",
    "link": "link", "user": "link",
    "links": "links", "children": "children",
}

ON_DELETE = {"restrict": "RESTRICT", "cascade": "CASCADE", "set_null": "SET NULL"}

# Arabic letters that Persian writes with look-alike code points; folding them lets
# "علی" typed on an Arabic keyboard find "علی" typed on a Persian one.
# Latin letters whose stroke or missing dot no decomposition removes are folded here too.
_SCRIPT_FOLD = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9",
                              "\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u0111": "d"})
# Marks quick search ignores: Latin/Cyrillic/Greek accents (U+0300-036F) and the Arabic
# script's vowel signs, hamza and superscript alef. "й" keeps its breve: in Russian and
# Bulgarian it is a letter of its own, not an accented "и".
_IGNORED_MARKS = frozenset([*range(0x300, 0x370), *range(0x610, 0x61B), *range(0x64B, 0x660), 0x670,
                            *range(0x6D6, 0x6EE)])
_KEPT_LETTERS = frozenset("й")
SEARCH_FOLD = "fold2"   # names this folding; trellis migrate refolds ``_search`` when it changes


@dataclass
class Schema:
    """The tables of one application's metadata.

    ``tables``: entity name -> its table; ``links``: ``(entity, links-field)`` -> the
    many-to-many table ``<entity>__<field>`` (columns from :func:`link_columns`);
    ``history``: the ``trellis_history`` table (``old``/``new`` hold JSON text).
    """

    metadata: MetaData
    tables: dict[str, Table] = field(default_factory=dict)
    links: dict[tuple[str, str], Table] = field(default_factory=dict)
    history: Table | None = None
    entities: dict[str, Entity] = field(default_factory=dict)   # the metadata the tables were built from
    # Tables whose trigram search index was seen complete; only "yes" is remembered, because
    # ``trellis migrate`` (perhaps in another process) may create it at any time.
    searchable: set[str] = field(default_factory=set)
    # ``(entity, manager field)`` -> the ancestor table of a reporting line (trellis.data.reporting_lines)
    lines: dict[tuple[str, str], Table] = field(default_factory=dict)
    aliases: dict[tuple[str, str], Any] = field(default_factory=dict)

    def table(self, entity: str) -> Table:
        """The table of ``entity``; KeyError when the metadata has no such entity."""
        return self.tables[entity]

    def search_ready(self, connection: Any, table: str) -> bool:
        """True when ``table``'s ``_search`` has its trigram index (:mod:`trellis.data.search_index`).

        Asked of the database until the answer is yes, then remembered.
        """
        if table not in self.searchable:
            from trellis.data.search_index import present

            if present(connection, table):
                self.searchable.add(table)
        return table in self.searchable

    def alias(self, entity: str, name: str) -> Any:
        """The alias ``name`` of ``entity``'s table, made once per schema.

        An alias's column collection is built the first time a statement reads it, a proxy
        per column: for a wide table that cost more than running the query it was made for.
        Aliases are immutable, so one serves every statement.
        """
        found = self.aliases.get((entity, name))
        if found is None:
            found = self.aliases[(entity, name)] = self.tables[entity].alias(name)
            found.c  # noqa: B018 - built here once, not by the first statements of two threads at once
        return found

    def link_table(self, entity: str, field_name: str) -> Table:
        """The many-to-many table of ``entity``'s ``links`` field ``field_name``."""
        return self.links[(entity, field_name)]


def build_schema(metadata: Metadata) -> Schema:
    """Build the SQLAlchemy tables for every entity of ``metadata`` (no database access).

    Raises ``MetadataError`` when two fields would share a column or a table name is
    longer than PostgreSQL keeps (it would silently cut it, and every later
    comparison would see a different table).
    """
    problems = _name_problems(metadata)
    if problems:
        raise MetadataError(problems)
    schema = Schema(metadata=MetaData(), entities=dict(metadata.entities))
    has_user = "user" in metadata.entities
    for entity in metadata.entities.values():
        schema.tables[entity.name] = _entity_table(schema.metadata, entity, metadata, has_user)
    for entity in metadata.entities.values():
        for f in entity.fields.values():
            if storage_of(f, metadata) == "links" and f.to in metadata.entities:
                schema.links[(entity.name, f.name)] = _links_table(schema.metadata, entity.name, f)
    schema.history = _history_table(schema.metadata, has_user)
    reporting_lines.add_tables(schema, metadata)
    Table(BOOKKEEPING_TABLE, schema.metadata,
          Column("key", sa.String(200), primary_key=True), Column("value", sa.Text, nullable=True))
    return schema


def _name_problems(metadata: Metadata) -> list[Problem]:
    problems = []

    def problem(f: MetaField | Entity, message: str) -> None:
        problems.append(Problem(f.source.path, f.source.line, f.source.column, message))

    tables: dict[str, str] = {}
    for entity in metadata.entities.values():
        if len(entity.name) > MAX_NAME:
            problem(entity, f"entity name '{entity.name}' is longer than {MAX_NAME} characters")
        tables[entity.name] = f"entity '{entity.name}'"
        columns = {c: "a system column" for c in SYSTEM_COLUMNS}
        for f in entity.fields.values():
            storage = storage_of(f, metadata)
            if storage in ("links", "children", "none") or not f.column:
                if storage == "links":
                    name = f"{entity.name}__{f.name}"
                    if len(name) > MAX_NAME:
                        problem(f, f"the many-to-many table '{name}' would be longer than {MAX_NAME} characters")
                    elif name in tables:
                        problem(f, f"the many-to-many table '{name}' has the name of {tables[name]}")
                    tables[name] = f"field '{entity.name}.{f.name}'"
                continue
            if f.column in columns:
                problem(f, f"field '{f.name}' needs column '{f.column}', taken by {columns[f.column]}")
            elif len(f.column) > MAX_NAME:
                problem(f, f"column '{f.column}' would be longer than {MAX_NAME} characters")
            columns[f.column] = f"field '{f.name}'"
    return problems


def storage_of(f: MetaField, metadata: Metadata) -> str:
    """The storage kind of field ``f`` (one of ``model.STORAGE``)."""
    field_type = metadata.field_types.get(f.type)
    if field_type is not None:
        return field_type.storage
    return BUILTIN_STORAGE.get(f.type, "string")


def link_target(f: MetaField) -> str | None:
    """The entity a link, links or user field points at (``user`` for user fields)."""
    return f.to or ("user" if f.type == "user" else None)


def link_columns(entity: str, f: MetaField) -> tuple[str, str]:
    """The two columns of a many-to-many table: ``(<entity>_id, <to>_id)``.

    A field linking an entity to itself (``contact.related`` -> contact) would name
    both columns alike, so the far side is then ``<field>_id``.
    """
    target = link_target(f) or f.name
    far = f"{f.name}_id" if target == entity else f"{target}_id"
    return f"{entity}_id", far


def column_type(storage: str, f: MetaField | None = None) -> sa.types.TypeEngine:
    """The SQLAlchemy type for a storage kind (``string`` honours ``max_length``)."""
    if storage == "string":
        return sa.String((f.max_length if f is not None else None) or 255)
    if storage == "text":
        return sa.Text()
    if storage == "integer":
        return sa.BigInteger()
    if storage == "decimal":
        return sa.Numeric(18, 4, asdecimal=True)
    if storage == "boolean":
        return sa.Boolean()
    if storage == "date":
        return sa.Date()
    if storage == "datetime":
        return sa.DateTime(timezone=True)
    if storage == "json":
        return sa.JSON()
    if storage == "link":
        return sa.Integer()
    raise ValueError(f"storage kind {storage!r} has no column")


def index_name(prefix: str, table: str, columns: list[str] | tuple[str, ...]) -> str:
    """``ix_<table>_<col>_<col>``, cut to 63 characters with a hash suffix when longer."""
    name = f"{prefix}_{table}_{'_'.join(columns)}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    return f"{name[:MAX_NAME - 9]}_{digest}"


def search_key(text: str) -> str:
    """Normalise text for quick search: NFKC, Unicode casefold, accents and Arabic-script vowel
    signs dropped, Arabic/Persian letter folding.

    "Fernández" becomes "fernandez", "ИВАНОВ" and "Иванов" both "иванов", "Пётр" "петр", and
    Arabic "علي" (yeh, and kaf likewise) the Persian "علی". The query builder applies the same
    function to what the user typed, so a search matches whatever accents either side carries.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        folded = "".join(_fold_letter(c) for c in folded)
    return folded.translate(_SCRIPT_FOLD)


@lru_cache(maxsize=8192)
def _fold_letter(letter: str) -> str:
    """``letter`` without the marks quick search ignores (see :data:`_IGNORED_MARKS`)."""
    if letter in _KEPT_LETTERS or ord(letter) < 0x80:
        return letter
    kept = "".join(c for c in unicodedata.normalize("NFD", letter) if ord(c) not in _IGNORED_MARKS)
    return unicodedata.normalize("NFC", kept)


def search_text(values: dict[str, Any], entity: Entity) -> str:
    """The ``_search`` value of a record: its ``search:`` fields joined, through :func:`search_key`.

    A link field counts only when ``values`` holds the linked record's title (a string):
    its id would make digits match unrelated records.
    """
    parts = []
    for name in entity.search:
        value = values.get(name)
        if value is None or value == "":
            continue
        f = entity.fields.get(name)
        if f is not None and f.column != name and not isinstance(value, str):
            continue
        if isinstance(value, list | tuple | set):
            parts.extend(str(v) for v in value if v is not None)
        else:
            parts.append(str(value))
    return search_key(" ".join(parts))


def _system_columns(has_user: bool) -> list[Column]:
    def user_ref():
        return [ForeignKey("user.id", ondelete="SET NULL")] if has_user else []

    now = sa.func.current_timestamp()
    return [
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("version", sa.Integer, nullable=False, server_default=sa.text("1"), default=1),
        Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        Column("created_by", sa.Integer, *user_ref(), nullable=True),
        Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        Column("updated_by", sa.Integer, *user_ref(), nullable=True),
    ]


def _entity_table(meta: MetaData, entity: Entity, metadata: Metadata, has_user: bool) -> Table:
    name = entity.name
    columns = _system_columns(has_user)
    indexed: dict[tuple[str, ...], Index] = {}

    def add_index(cols: tuple[str, ...], unique: bool = False) -> None:
        if cols in indexed and not unique:
            return
        prefix = "uq" if unique else "ix"
        indexed[cols] = Index(index_name(prefix, name, cols), *cols, unique=unique)

    for f in entity.stored_fields():
        storage = storage_of(f, metadata)
        if storage in ("links", "children", "none"):
            continue
        args: list[Any] = []
        if storage == "link":
            target = link_target(f)
            if target in metadata.entities:
                args.append(ForeignKey(f"{target}.id", ondelete=ON_DELETE.get(f.on_delete, "RESTRICT")))
            add_index((f.column,))
        columns.append(Column(f.column, column_type(storage, f), *args, nullable=True))
        if f.unique:
            add_index((f.column,), unique=True)
        elif f.index:
            add_index((f.column,))
    for group in entity.indexes:
        cols = tuple(entity.fields[n].column if n in entity.fields else n for n in group)
        if all(cols):
            add_index(cols)
    order = [entity.fields[n].column if n in entity.fields else n for n, _ in entity.list.order]
    if order and all(order) and "id" not in order:
        # The list's default sort with id as its tiebreak: a page reads the index instead of sorting.
        add_index((*order, "id"))
    if entity.search:
        # No B-tree index: no query can use one for LIKE '%word%' (search_index.py makes the one it uses),
        # and on PostgreSQL a long text would overflow a B-tree entry.
        columns.append(Column(SEARCH_COLUMN, sa.Text, nullable=True))
    # A unique index on a column makes a plain one on the same column redundant.
    unique_cols = {cols for cols, ix in indexed.items() if ix.unique}
    indexes = [ix for cols, ix in indexed.items() if ix.unique or cols not in unique_cols]
    # AUTOINCREMENT: SQLite would otherwise give a deleted record's id to the next one.
    return Table(name, meta, *columns, *indexes, sqlite_autoincrement=True)


def _links_table(meta: MetaData, entity: str, f: MetaField) -> Table:
    name = f"{entity}__{f.name}"
    near, far = link_columns(entity, f)
    return Table(
        name, meta,
        Column(near, sa.Integer, ForeignKey(f"{entity}.id", ondelete="CASCADE"), primary_key=True),
        Column(far, sa.Integer, ForeignKey(f"{f.to}.id", ondelete="CASCADE"), primary_key=True),
        # The primary key serves lookups from the near side; this one serves the far side.
        Index(index_name("ix", name, [far]), far),
    )


def _history_table(meta: MetaData, has_user: bool) -> Table:
    user_ref = [ForeignKey("user.id", ondelete="SET NULL")] if has_user else []
    return Table(
        HISTORY_TABLE, meta,
        # BIGINT does not auto-increment on SQLite (only INTEGER PRIMARY KEY aliases the rowid).
        Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column("entity", sa.String(100), nullable=False),
        Column("record_id", sa.Integer, nullable=False),
        Column("field", sa.String(100), nullable=False),
        Column("old", sa.Text, nullable=True),
        Column("new", sa.Text, nullable=True),
        Column("user_id", sa.Integer, *user_ref, nullable=True),
        Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp()),
        Column("channel", sa.String(20), nullable=True),
        Column("actor", sa.String(100), nullable=True),  # the plugin behind a system write
        Index(index_name("ix", HISTORY_TABLE, ["entity", "record_id", "at"]), "entity", "record_id", "at"),
    )
