"""The ``Record`` type: what the record service returns and what hooks receive."""

from __future__ import annotations

from typing import Any


def empty(value: Any) -> bool:
    """True for the values ``required`` refuses: None, blank text, an empty list."""
    if value is None:
        return True
    kind = type(value)  # the common kinds first: this runs for every field of every saved record
    if kind is str:
        return not value.strip()
    if kind is list or kind is tuple:
        return not value
    if kind is int or kind is bool:
        return False
    return (isinstance(value, str) and not value.strip()) or value == [] or value == ()


def stored(field: Any) -> bool:
    """True for fields the record holds a value of: a column here, or a many-to-many list."""
    return field.type != "children"  # every other type has a column, or (links) a table of its own


def blank_values(entity: Any) -> dict[str, Any]:
    """Every stored field of a new record of ``entity``, empty."""
    return {f.name: [] if f.type in ("links", "multiselect", "tags") else None
            for f in entity.fields.values() if stored(f)}


def changes_between(entity: Any, old: Record | None, record: Record) -> dict[str, tuple[Any, Any]]:
    """``{field: (old, new)}`` for every stored field whose value differs (every set one on create)."""
    changes = {}
    values = dict(record)  # fields only: a plain dict reads faster than Record.get in this hot loop
    for field in entity.fields.values():
        name = field.name
        if name not in values or field.type == "children":
            continue
        after = values[name]
        if old is None:
            if not empty(after):
                changes[name] = (None, after)
            continue
        before = old.get(name)
        if before != after:
            changes[name] = (before, after)
    return changes


class Link(int):
    """A ``link`` or ``user`` field's value: the linked record's id, carrying its title as ``.name``.

    It IS the id (an ``int``, equal to it, hashed and sorted like it, serialised to
    JSON as the number), so ``record["contact"] == 7`` and passing it back to
    ``update`` work; ``link.id`` is the plain int and ``link.name`` the linked
    record's title (None when unknown or the entity has no title); in a template
    ``{{ row.contact.name }}``. For code written when query rows held ``{"id", "name"}``
    dicts, ``link["id"]``, ``link["name"]`` and ``link == {"id": 7, "name": "Ann"}`` still work.
    """

    def __new__(cls, record_id: int, name: str | None = None) -> Link:
        link = super().__new__(cls, record_id)
        link.name = name
        return link

    @property
    def id(self) -> int:
        """The linked record's id as a plain int."""
        return int(self)

    def __getitem__(self, key: str) -> Any:
        if key == "id":
            return int(self)
        if key == "name":
            return self.name
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        """``"id"`` or ``"name"`` like the old ``{"id", "name"}`` dict; ``default`` for anything else."""
        return self[key] if key in ("id", "name") else default

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dict):  # the {"id", "name"} dicts query rows held before
            return other.get("id") == int(self) and other.get("name", self.name) == self.name
        return int.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = int.__hash__

    def __reduce__(self):
        return (Link, (int(self), self.name))

    __str__ = int.__repr__

    def __repr__(self) -> str:
        return f"Link({int(self)}, {self.name!r})"


SYSTEM_FIELDS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
"""Columns every entity table has; the service sets them, callers never do."""

_ABSENT = object()


class Record(dict):
    """A dict of field values with ``entity``, ``id``, ``version`` and the system values.

    ``record["amount"]`` reads a field; system values read as attributes
    (``record.created_at``) and also by key (``record["created_at"]``), but they are
    not items of the dict, so ``dict(record)`` holds only fields and can be passed
    back to ``update``. A ``link`` or ``user`` field holds a :class:`Link`: the linked
    id (an int, ``record["contact"] == 3``) with the linked record's title as
    ``record["contact"].name``, in records read by ``records.get`` and in query rows
    alike (records returned by a write hold the plain id); ``links`` fields a list of ids.
    """

    def __init__(self, entity: str, values: dict | None = None, system: dict | None = None):
        super().__init__(values or {})
        self.entity = entity
        self.system = dict.fromkeys(SYSTEM_FIELDS)
        self.system.update(system or {})

    def __missing__(self, key: str) -> Any:
        if key in SYSTEM_FIELDS:
            return self.system[key]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of a field or system value, else ``default``."""
        value = dict.get(self, key, _ABSENT)
        if value is not _ABSENT:
            return value
        return self.system.get(key, default) if key in SYSTEM_FIELDS else default

    @property
    def id(self) -> int | None:
        """The record's id (None before insert)."""
        return self.system["id"]

    @property
    def version(self) -> int | None:
        """Incremented by every write; pass it back as ``expected_version``."""
        return self.system["version"]

    @property
    def created_at(self):
        """When the record was created (aware UTC)."""
        return self.system["created_at"]

    @property
    def created_by(self):
        """Who created it (a user id; None: the system)."""
        return self.system["created_by"]

    @property
    def updated_at(self):
        """When it was last written (aware UTC)."""
        return self.system["updated_at"]

    @property
    def updated_by(self):
        """Who wrote it last."""
        return self.system["updated_by"]

    def expression_values(self) -> dict[str, Any]:
        """Fields and system values together, as expressions read them."""
        return {**self.system, **self}

    def to_dict(self) -> dict[str, Any]:
        """Fields and system values in one plain dict (for JSON and templates)."""
        return {**self.system, **self}

    def copy(self) -> Record:
        """A shallow copy (same entity and system values)."""
        return Record(self.entity, dict(self), dict(self.system))

    def __repr__(self) -> str:
        return f"Record({self.entity!r}, id={self.id!r}, {dict.__repr__(self)})"
