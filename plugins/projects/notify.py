"""The ``email_people`` automation action: email the people a record leads to.

``to`` is a path of field names from the triggering record: a link or a list of
children is followed, and the people at its end (users, contacts: anything with an
``email`` field) are written to. ``assignee`` is a task's assignee, ``project.contact``
a milestone's client contact, ``blocking.successor.assignee`` the assignees of the tasks
a task blocks. Records are read through the record service as the system, field by
declared field: a path never reaches anything but the entities' own fields.
"""

from __future__ import annotations

from typing import Any

from trellis import Action, queue_email

MAX_HOPS = 4
"""The longest path ``to`` may name."""
MAX_PEOPLE = 200
"""The most records followed at any step (one email, at most this many recipients)."""
OPTIONS = {
    "type": "object",
    "properties": {
        "to": {"type": "string", "pattern": r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*){0,3}$",
               "description": "a path of fields to people with an email, e.g. project.contact"},
        "template": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "subject": {"type": "string"},
        "body": {"type": "string"},
    },
    "required": ["to"],
    "additionalProperties": False,
}


def _id(value):
    return getattr(value, "id", value)


def people_at(record, path: list[str], records) -> list:
    """The records reached from ``record`` along ``path`` (at most ``MAX_PEOPLE`` each step)."""
    metadata = records.metadata
    current = [record]
    for name in path[:MAX_HOPS]:
        reached = []
        for item in current:
            field = metadata.entity(item.entity).fields.get(name)
            if field is None:
                raise ValueError(f"'{name}' is not a field of {item.entity}")
            if field.type == "children":
                reached += list(records.query(field.to).filter(**{field.via: item.id}).page(size=MAX_PEOPLE,
                                                                                           count=False).rows)
            elif field.type in ("link", "user") and item.get(name) is not None:
                reached.append(records.get(field.to or "user", _id(item[name])))
            elif field.type not in ("link", "user"):
                raise ValueError(f"'{name}' of {item.entity} is neither a link nor a list of records")
        current = reached[:MAX_PEOPLE]
    return current


def email_people(record, options: dict[str, Any] | None, context) -> None:
    """Queue one email about ``record`` to everyone ``options['to']`` leads to (nobody: nothing sent)."""
    options = dict(options or {})
    people = people_at(record, str(options["to"]).split("."), context.system)
    addresses = sorted({person.get("email") for person in people if person.get("email")})
    if addresses:
        queue_email(record, addresses, template=options.get("template"), subject=options.get("subject"),
                    body=options.get("body"), owner="projects")


def action_kinds() -> list[Action]:
    """The plugin's automation actions."""
    return [Action("email_people", OPTIONS, email_people, main="to",
                   label={"en": "Email the people a field leads to", "ru": "Письмо людям по ссылке",
                          "bg": "Имейл до хората по връзката", "fa": "ایمیل به افراد از طریق پیوند"})]
