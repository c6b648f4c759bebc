"""The form's duplicate warning: before a create (or an edit of a matched field) is saved, the
records it would duplicate under the entity's exact ``dedupe:`` rules.

Only records the user may read are found (the query goes through their record service),
so the warning never tells anyone that a record they may not see exists. Fuzzy rules
stay with imports and ``/app/<entity>/duplicates``: a form asks one quick question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trellis.data.query import QueryError
from trellis.errors import PermissionDenied
from trellis.io.dedupe import norm
from trellis.web.labels import display, field_label
from trellis.web.pages import service

CANDIDATES = 20
"""Records read per rule to compare: text is looked up by prefix in any letter case (the query's
``startswith``), then compared whole, normalised as imports compare it."""


@dataclass
class Duplicate:
    """An existing record the form's values match, and the fields they match by."""

    id: int
    title: str
    fields: str


def duplicates(meta, values: dict[str, Any], exclude: int | None = None,
               changed: set[str] | None = None) -> list[Duplicate]:
    """Readable records of ``meta`` matching ``values`` by an exact dedupe rule (``exclude``: the record
    itself; ``changed``: on an edit, only rules over a changed field are checked)."""
    found: dict[int, Duplicate] = {}
    svc = service()
    for rule in meta.dedupe:
        if rule.fuzzy or not all(n in meta.fields and meta.fields[n].column for n in rule.match):
            continue
        if changed is not None and not changed & set(rule.match):
            continue
        wanted = {n: values.get(n) for n in rule.match}
        if not all(norm(v) for v in wanted.values()):
            continue
        try:
            query = svc.query(meta.name).filter(**{_lookup(meta.fields[n]): _plain(v) for n, v in wanted.items()})
            rows = query.order_by("id").page(size=CANDIDATES, count=False).rows
        except (PermissionDenied, QueryError):
            continue
        title = meta.fields.get(meta.title) if meta.title else None
        for row in rows:
            if row.id == exclude or row.id in found or any(norm(row.get(n)) != norm(v) for n, v in wanted.items()):
                continue
            name = display(title, row.get(meta.title)) if title is not None else ""
            found[row.id] = Duplicate(row.id, name or f"#{row.id}",
                                      ", ".join(field_label(meta.fields[n]) for n in rule.match))
    return list(found.values())


def _lookup(field) -> str:
    return f"{field.name}__startswith" if field.storage in ("string", "text") else field.name


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("id")
    return value.strip() if isinstance(value, str) else value
