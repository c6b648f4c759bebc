"""What a record's read view shows besides its fields: the header (title, subtitle, key facts, the
owner's initials, the state chip), the workflow's stage bar, and the dialogs that ask for the
fields a transition requires.

Everything here is data for the templates (``record_read.html``, ``transition_dialog.html``);
nothing reads or writes except through the signed-in user's record service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trellis.data.query import QueryError
from trellis.data.schema import link_target
from trellis.errors import PermissionDenied, ValidationError
from trellis.runtime import runtime
from trellis.web.labels import display, label
from trellis.web.pages import service

FACTS = 4
"""Key facts a header shows when the entity's YAML has no ``header: {facts: [...]}``."""
CHOICES = 100
"""A dialog offers a link field's records as a list up to this many; past it, the typing widget."""


@dataclass
class Stage:
    """One state of a stage bar: ``move`` is the transition leading to it from the current state."""

    name: str
    label: str
    current: bool
    final: bool
    won: bool
    lost: bool
    move: Any = None


@dataclass
class Dialog:
    """A transition that requires fields: the form asking for ``fields`` before it runs."""

    transition: Any
    label: str
    fields: list
    choices: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The ``<dialog>`` element's id."""
        return f"dialog-{self.transition.name}"


def header(meta, record) -> dict[str, Any]:
    """``subtitle`` and ``facts`` as ``(field, value)`` pairs, the ``owner`` (name, initials), the ``states``."""
    spec = meta.header
    if spec is not None:
        subtitle, facts = spec.subtitle, spec.facts
    else:
        # Without YAML: the list's columns after the title, minus what the header shows otherwise.
        shown = {meta.title} | {w.field for w in workflows(meta)}
        subtitle = []
        facts = [n for n in meta.list.columns if n in meta.fields and n not in shown
                 and meta.fields[n].type != "user"][:FACTS]
    owner = next((f for f in meta.fields.values() if f.type == "user" and record.get(f.name)), None)
    who = None
    if owner is not None:
        name = getattr(record.get(owner.name), "name", None)
        if name:
            who = {"field": owner, "name": name, "initials": initials(name)}
    return {"subtitle": [(meta.fields[n], record.get(n)) for n in subtitle if record.get(n) not in (None, "", [])],
            "facts": [(meta.fields[n], record.get(n)) for n in facts],
            "owner": who,
            "states": [_chip(w, record.get(w.field)) for w in workflows(meta) if record.get(w.field)]}


def initials(name: str) -> str:
    """``Ann Smith`` -> ``AS``; one word gives its first letter."""
    words = [w for w in str(name).replace("@", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def workflows(meta) -> list:
    """The workflows whose state field belongs to ``meta``."""
    return [w for w in runtime().metadata.workflows.values() if w.entity == meta.name]


def _chip(workflow, state_name) -> dict[str, Any]:
    state = workflow.states.get(state_name)
    return {"label": label(state.label, state_name) if state else str(state_name),
            "final": bool(state and state.final), "won": bool(state and state.won),
            "lost": bool(state and state.lost)}


def stage_bars(meta, record) -> list[dict[str, Any]]:
    """One bar per workflow: every state in order, the current one marked, each reachable state with
    the transition that leads there (the first that may start in the current state)."""
    bars = []
    for workflow in workflows(meta):
        current = record.get(workflow.field)
        stages = []
        for name, state in workflow.states.items():
            move = None
            if name != current:
                move = next((t for t in workflow.transitions.values()
                             if t.target == name and t.allowed_from(current)), None)
            stages.append(Stage(name, label(state.label, name), name == current, state.final, state.won,
                                state.lost, move))
        bars.append({"workflow": workflow, "title": label(workflow.label, workflow.name), "stages": stages})
    return bars


def dialogs(meta, transitions) -> list[Dialog]:
    """A :class:`Dialog` for each of ``transitions`` that requires fields (each once)."""
    found, seen = [], set()
    for transition in transitions:
        if transition is None or not transition.require or transition.name in seen:
            continue
        seen.add(transition.name)
        fields = [meta.fields[n] for n in transition.require if n in meta.fields]
        found.append(Dialog(transition, label(transition.label, transition.name), fields,
                            {f.name: choices for f in fields if (choices := _choices(f)) is not None}))
    return found


def _choices(fld) -> list[tuple[int, str]] | None:
    """The records a link field may point at, as ``(id, title)``, when they are few enough to list."""
    if fld.type != "link":
        return None
    target = runtime().metadata.entities.get(link_target(fld))
    if target is None or not target.title:
        return None
    title = target.fields.get(target.title)
    try:
        query = service().query(target.name).order_by(target.title if title.column else "id")
        page = query.page(size=CHOICES + 1, count=False)
    except (PermissionDenied, QueryError):
        return None
    if len(page.rows) > CHOICES:
        return None
    return [(row.id, display(title, row.get(target.title)) or f"#{row.id}") for row in page.rows]


def transition_values(meta, transition, form) -> dict[str, Any]:
    """The values a dialog posted for ``transition``'s required fields (nothing else is taken)."""
    from trellis.web import form_fields as forms

    metadata = runtime().metadata
    values = {}
    for name in transition.require if transition is not None else ():
        fld = meta.fields.get(name)
        if fld is None or name not in form:
            continue
        raw = form.get(name, "")
        posted = {"id": raw.strip(), "name": ""} if forms.widget(fld, metadata) == "link" else raw
        try:
            values[name] = forms.to_service(fld, posted, metadata)
        except ValueError:   # a Persian user's Jalali date that is not one
            raise ValidationError({name: forms.jalali_refusal()}) from None
    return values
