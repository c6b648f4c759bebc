"""What the list's filter panel offers for each field, and the filter values it translates.

Every stored field gets a filter by its kind: options as checkboxes (``choice``), yes/no
(``boolean``), a date range (``range``), a number range (``number``: ``__gte``/``__lte``),
"contains" for text and tags (``text``, ``tags``), a linked record picked by its title with
autocomplete (``link``; the id travels in the URL, the title is looked up under the viewer's
read rules), and for user fields also "me" (``?owner=me`` means the signed-in user, so a saved
filter "My deals" works for whoever opens it). Bulk "Set a field" on a link takes the linked
record's title and finds it the same way.
"""

from __future__ import annotations

from datetime import date

from flask_login import current_user
from trellis.data.query import QueryError
from trellis.data.schema import link_target
from trellis.errors import NotFound, PermissionDenied
from trellis.runtime import runtime
from trellis.web import jalali
from trellis.web.form_fields import jalali_refusal
from trellis.web.labels import display, user_locale
from trellis.web.pages import service

KIND_BY_STORAGE = {"string": "text", "text": "text", "integer": "number", "decimal": "number", "link": "link"}
ME = "me"
RANGE_OPS = ("gte", "lte", "gt", "lt", "")


def filter_kind(field) -> str | None:
    """The filter the panel shows for ``field`` (``choice``, ``boolean``, ``range``, ``number``, ``text``,
    ``tags``, ``link``), or None when it offers none."""
    if not field.column:
        return None
    if field.field_type.filter != "none":
        return field.field_type.filter
    if field.type in ("tags", "multiselect"):
        return "tags"
    if field.type in ("html", "file"):
        return None
    return KIND_BY_STORAGE.get(field.storage)


def filter_fields(meta) -> list[tuple]:
    """``(field, kind)`` of every field the filter panel offers."""
    found = [(f, filter_kind(f)) for f in meta.fields.values()]
    return [(f, kind) for f, kind in found if kind is not None]


def with_me(meta, filters: dict[str, str]) -> dict[str, str]:
    """``filters`` with ``me`` in a user field's filter replaced by the signed-in user's id, and a
    Persian user's Jalali date range (``1404/01/01``) as Gregorian dates (``QueryError`` naming the
    filter when a date cannot be read)."""
    resolved = {}
    dates = jalali.in_use(user_locale())
    for key, value in filters.items():
        name, _sep, op = key.partition("__")
        fld = meta.fields.get(name)
        if fld is not None and fld.type == "user" and ME in value.split(","):
            value = ",".join(str(current_user.id) if v == ME else v for v in value.split(","))
        elif dates and fld is not None and fld.storage in ("date", "datetime") and op in RANGE_OPS:
            value = _gregorian(key, value)
        resolved[key] = value
    return resolved


def _gregorian(key: str, text: str) -> str:
    """A typed Jalali day as an ISO Gregorian one; an ISO day (a link made in another language) as is."""
    if len(text) > 20:
        raise QueryError({key: jalali_refusal()})
    try:
        return jalali.parse_day(text).isoformat()
    except ValueError:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise QueryError({key: jalali_refusal()}) from None


def title_of(field, raw: str) -> str:
    """The title of the record a link filter names by id, if the viewer may read it (else "")."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return ""
    target = link_target(field)
    meta = runtime().metadata.entities[target]
    try:
        row = service().query(target).filter(id=int(raw)).order_by("id").first()
    except (QueryError, NotFound, PermissionDenied):
        return ""
    if row is None:
        return ""
    title = meta.fields.get(meta.title) if meta.title else None
    return (display(title, row.get(title.name)) if title else "") or row.get("email") or f"#{row.id}"


def link_titles(meta, filters: dict[str, str]) -> dict[str, str]:
    """``{field name: title}`` of the link filters in ``filters`` (the picker shows the title, not the id)."""
    return {name: title_of(meta.fields[name], filters[name]) for name, kind in
            ((f.name, k) for f, k in filter_fields(meta)) if kind == "link" and name in filters}


def link_by_title(field, text: str):
    """The id of the one record ``field`` may link to whose title is ``text`` (an id as is);
    ``ValueError`` with the reason when none or several match."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return text
    target = link_target(field)
    meta = runtime().metadata.entities[target]
    if not text:
        return ""
    title = meta.fields.get(meta.title) if meta.title else None
    if title is None or not title.column:
        raise ValueError(f"pick the {target} by its number")
    rows = service().query(target).filter(**{f"{title.name}__contains": text}).page(size=20, count=False).rows
    exact = [r for r in rows if str(r.get(title.name) or "").casefold() == text.casefold()]
    found = exact or rows
    if len(found) != 1:
        raise ValueError(f"no {target} is called '{text}'" if not found else
                         f"several {target} records match '{text}': type the whole name")
    return found[0].id
