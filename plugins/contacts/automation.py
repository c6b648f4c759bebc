"""The ``add_activity`` automation action (``actions()`` hook): an activity linked to the record.

::

    actions:
      - add_activity: {subject: "Call {first_name}", kind: call, due: 3d}

``subject`` and ``description`` may name the record's fields in braces; ``due`` is
an offset from now. The activity points at the record (``ref_entity`` /
``ref_record``) and, through any link field of the activity to the record's entity
(``contact``, ``company``), directly; a link the record itself holds under the same
name (a deal's ``contact``) is copied.
"""

from __future__ import annotations

from typing import Any

from trellis import Action
from trellis.automation.actions import fill, offset

OPTIONS = {
    "type": "object",
    "properties": {
        "subject": {"type": "string"},
        "kind": {"type": "string"},
        "description": {"type": "string"},
        "due": {"type": "string", "pattern": r"^[+-]?\d{1,4}[mhdw]$",
                "description": "an offset from now like 3d, 2h, 30m or 1w"},
    },
    "additionalProperties": False,
}


def add_activity(record, options: dict[str, Any] | None, context) -> None:
    """Create the activity described by ``options`` for ``record``, in the record's transaction."""
    options = dict(options or {})
    metadata = context.records.metadata
    activity = metadata.entities["activity"]
    values_in = record.expression_values()
    values: dict[str, Any] = {"subject": fill(str(options.get("subject") or "add_activity"), values_in)}
    if options.get("kind"):
        values["kind"] = options["kind"]
    if options.get("description"):
        values["description"] = fill(str(options["description"]), values_in)
    if options.get("due"):
        values["due"] = context.now + offset(options["due"])
    for name, field in activity.fields.items():
        if field.type != "link" or name in values:
            continue
        if field.to == record.entity:
            values[name] = record.id
        elif isinstance(record.get(name), int) and not isinstance(record.get(name), bool):
            values[name] = record.get(name)   # e.g. a deal's contact becomes the activity's contact
    if "ref_entity" in activity.fields and "ref_record" in activity.fields:
        values.update(ref_entity=record.entity, ref_record=record.id)
    context.records.create("activity", values)


def action_kinds() -> list[Action]:
    """The action kinds this plugin adds."""
    return [Action("add_activity", OPTIONS, add_activity, label={"en": "Add an activity"}, main="subject")]
