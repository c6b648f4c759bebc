"""Which column feeds which field: explicit ``--map`` pairs and suggestions from names and labels.

A suggestion compares the column header with every field's name and with its
label in every locale, ignoring case, spaces, underscores, hyphens and dots
("E-mail", "email", "Эл. почта" all reach ``email``); an exact match wins, then
the closest one by difflib above a cutoff. Each field is fed by one column at most.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from trellis.metadata.model import Entity, Field

CUTOFF = 0.82
ID_COLUMN = "id"
_IGNORED = re.compile(r"[\s_\-.:/*]+")


class MappingError(ValueError):
    """A ``--map`` pair that names an unknown column or field (message for the user)."""


@dataclass
class Mapping:
    """``columns``: header -> field name for every used column; ``ignored``: headers left out."""

    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def column_of(self, field_name: str) -> str | None:
        """The header that feeds ``field_name``, if any."""
        for header, name in self.columns.items():
            if name == field_name:
                return header
        return None


def key(text: str) -> str:
    """Text compared for mapping: NFKC, casefolded, without spaces, underscores, hyphens and dots."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def importable_fields(entity: Entity) -> list[Field]:
    """Fields a file may set: stored or many-to-many, not computed, not read-only."""
    return [f for f in entity.fields.values()
            if (f.column or f.storage == "links") and not f.computed and not f.readonly]


def parse_pairs(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["E-mail=email", "Notes="]`` -> ``{"E-mail": "email", "Notes": ""}`` (empty: ignore the column)."""
    found = {}
    for pair in pairs:
        column, sep, name = pair.rpartition("=")
        if not sep or not column.strip():
            raise MappingError(f"--map {pair!r}: write COLUMN=FIELD (COLUMN= to ignore a column)")
        found[column.strip()] = name.strip()
    return found


def suggest(entity: Entity, headers: list[str]) -> dict[str, str]:
    """``{header: field}`` suggested for the headers that resemble a field's name or label."""
    names: dict[str, str] = {}
    for f in importable_fields(entity):
        for text in [f.name, *f.label.values()]:
            names.setdefault(key(text), f.name)
    if ID_COLUMN not in entity.fields:
        names.setdefault(ID_COLUMN, ID_COLUMN)
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    # Exact matches first, so that a fuzzy guess never steals a field another column names exactly.
    for header in headers:
        name = names.get(key(header))
        if name and name not in taken:
            chosen[header] = name
            taken.add(name)
    for header in headers:
        if header in chosen or not key(header):
            continue
        for close in difflib.get_close_matches(key(header), list(names), n=3, cutoff=CUTOFF):
            if names[close] not in taken:
                chosen[header] = names[close]
                taken.add(names[close])
                break
    return chosen


def build(entity: Entity, headers: list[str], explicit: dict[str, str] | None = None,
          auto: bool = True) -> Mapping:
    """The mapping for a file: ``explicit`` pairs win, suggestions fill in the rest (when ``auto``)."""
    explicit = dict(explicit or {})
    fields = {f.name for f in importable_fields(entity)} | {ID_COLUMN}
    by_key = {key(h): h for h in headers}
    mapping = Mapping()
    for column, name in explicit.items():
        header = column if column in headers else by_key.get(key(column))
        if header is None:
            raise MappingError(f"--map {column}={name}: the file has no column '{column}' "
                               f"(columns: {', '.join(headers)})")
        if name and name not in fields:
            raise MappingError(f"--map {column}={name}: {entity.name} has no importable field '{name}'")
        if name:
            mapping.columns[header] = name
        else:
            mapping.ignored.append(header)
    if auto:
        rest = [h for h in headers if h not in mapping.columns and h not in mapping.ignored]
        taken = set(mapping.columns.values())
        for header, name in suggest(entity, rest).items():
            if name not in taken:
                mapping.columns[header] = name
                taken.add(name)
    mapping.ignored += [h for h in headers if h not in mapping.columns and h not in mapping.ignored]
    return mapping
