"""Forms generated from an entity's ``form:`` blocks: layout, one widget per field type, and
turning what the browser posted back into values for the record service.

The form is not a WTForms class: a form's fields change with the YAML, so each field
type's ``widget`` and one Jinja macro per widget serve every entity,
and flask-wtf protects every POST with its CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from trellis.errors import ValidationError
from trellis.metadata.model import Entity, Field, FormBlock
from trellis.web import jalali
from trellis.web.labels import local_time, user_locale, user_timezone
from werkzeug.datastructures import MultiDict


@dataclass
class Block:
    """A section or tab as rendered: ``rows`` of :class:`trellis.metadata.model.Field`."""

    kind: str
    title: Any
    rows: list[list[Field]]
    lines: str | None = None   # the child entity this block edits as a grid (see trellis.web.lines)


def widget(field: Field, metadata) -> str:
    """The widget name for ``field``: its type's ``widget`` (a plugin type's defaults from its storage)."""
    return field.field_type.widget


def editable(field: Field) -> bool:
    """True for fields a form may send (computed, read-only and children are shown, never sent)."""
    return not (field.computed or field.readonly or field.storage == "children")


def layout(entity: Entity) -> list[Block]:
    """The form's blocks; an entity without ``form:`` gets one section of its fields."""
    blocks: list[FormBlock] = entity.form or [
        FormBlock("section", entity.label, [[f.name] for f in entity.fields.values() if f.storage != "children"])]
    result = []
    for block in blocks:
        rows = [[entity.fields[name] for name in row if name in entity.fields] for row in block.rows]
        result.append(Block(block.kind, block.title, [row for row in rows if row], block.lines))
    return result


def form_fields(entity: Entity) -> list[Field]:
    """Every field the form shows, in order."""
    return [field for block in layout(entity) for row in block.rows for field in row]


def initial_values(entity: Entity, record: dict | None, metadata, fields: list[Field] | None = None) -> dict[str, Any]:
    """What each input shows: the record's values (or a new record's literal defaults) as form text.

    ``fields``: these instead of the form's (a grid's columns).
    """
    values = {}
    for field in form_fields(entity) if fields is None else fields:
        value = record.get(field.name) if record is not None else field.default
        values[field.name] = as_input(field, value, metadata)
    return values


def as_input(field: Field, value: Any, metadata) -> Any:
    """A stored value as the text an input holds (a list for multi-selects, a dict for links)."""
    kind = widget(field, metadata)
    if value is None:
        return [] if kind == "multiselect" else ({"id": "", "name": ""} if kind == "link" else "")
    if kind == "link":
        if isinstance(value, dict):
            return value
        return {"id": int(value), "name": getattr(value, "name", None) or f"#{value}"}  # a Link, or a bare id
    if kind == "checkbox":
        return "true" if value else ""
    if kind == "multiselect":
        return [str(v) for v in value]
    if kind in ("tags", "links"):
        return ", ".join(str(v.get("id") if isinstance(v, dict) else v) for v in value)
    if kind == "datetime" and isinstance(value, datetime):
        moment = local_time(value)
        return jalali.moment_input(moment) if jalali.in_use(user_locale()) else moment.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return jalali.day_input(value) if jalali.in_use(user_locale()) else value.isoformat()
    if kind == "textarea" and not isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def posted_values(entity: Entity, form: MultiDict, metadata, fields: list[Field] | None = None,
                  prefix: str = "") -> dict[str, Any]:
    """What the browser posted for every editable field of the form, as input text (same shapes
    as :func:`initial_values`), so a refused form can be shown again exactly as typed.

    ``fields``: these instead of the form's; ``prefix``: what the inputs' names start with (a grid's row).
    """
    values = {}
    for field in form_fields(entity) if fields is None else fields:
        if not editable(field):
            continue
        kind = widget(field, metadata)
        name = prefix + field.name
        if kind == "checkbox":
            values[field.name] = "true" if form.get(name) else ""
        elif kind == "multiselect":
            values[field.name] = form.getlist(name)
        elif kind == "link":
            values[field.name] = {"id": form.get(name, "").strip(), "name": form.get(f"{name}__label", "")}
        else:
            values[field.name] = form.get(name, "")
    return values


def changed_values(entity: Entity, posted: dict[str, Any], initial: dict[str, Any], metadata) -> dict[str, Any]:
    """The fields whose input differs from what the form showed, as values for the record service;
    ``ValidationError`` naming the fields whose Jalali date could not be read.

    Only these are sent: an untouched field is never re-written (no history noise, no
    clash with a field the user may read but not set), and a new record's untouched
    blank fields get their defaults from the service.
    """
    changes, refused = {}, {}
    for name, value in posted.items():
        before = initial.get(name)
        if _comparable(value) == _comparable(before):
            continue
        try:
            changes[name] = to_service(entity.fields[name], value, metadata)
        except ValueError:   # a Jalali date that is not one: named on its field, nothing saved
            refused[name] = jalali_refusal()
    if refused:
        raise ValidationError(refused)
    return changes


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    if isinstance(value, list):
        return sorted(value)
    return (value or "").strip() if isinstance(value, str) else value


def to_service(field: Field, value: Any, metadata) -> Any:
    """One posted input as the record service takes it (it coerces and validates the rest); a Persian
    user's Jalali date becomes the Gregorian one (``ValueError`` when it is not a date)."""
    kind = widget(field, metadata)
    if kind == "link":
        return value.get("id") or None
    if kind == "checkbox":
        return bool(value)
    if kind in ("date", "datetime") and isinstance(value, str) and value.strip() and jalali.in_use(user_locale()):
        return from_jalali(kind, value)
    if kind == "datetime" and isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # the service says what is wrong with it
        # datetime-local inputs carry no zone: they are in the user's time zone.
        return moment.replace(tzinfo=user_timezone()) if moment.tzinfo is None else moment
    return value


def from_jalali(kind: str, text: str) -> Any:
    """A Persian user's typed Jalali date (``1404/01/01``) or date and time as the Gregorian value the
    service stores; ``ValueError`` naming what is wrong (the form shows it on the field)."""
    if kind == "date":
        return jalali.parse_day(text)
    return jalali.parse_moment(text).replace(tzinfo=user_timezone())


def jalali_refusal() -> str:
    """What a form says about a Jalali date it could not read."""
    return _("Type the date as %(example)s (Solar Hijri year/month/day).", example=jalali.INPUT_FORMAT)
