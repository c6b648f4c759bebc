"""Reports users save from the pivot page: records of the core ``saved_report`` entity.

A saved report is the pivot page's choices (``definition``, shaped like ``report:`` YAML), a
name, the roles it is shared with and, optionally, the dashboard it shows on. Its owner sees
it, and so does anyone holding a role it is shared with; it runs, like every report, as the
viewer. Saved reports are read and written by the system service (roles need not mention
the entity): this module decides who sees which.
"""

from __future__ import annotations

from typing import Any

from trellis.data.records import records_for
from trellis.metadata.reports import report_from_mapping
from trellis.runtime import runtime

ENTITY = "saved_report"


def definition_of(saved) -> dict[str, Any]:
    """The saved report's definition as ``report:`` YAML would hold it, named after the record."""
    definition = dict(saved.get("definition") or {})
    definition.pop("report", None)
    return {"report": saved["name"], **({"label": saved["label"]} if saved.get("label") else {}), **definition}


def visible_to(saved, user) -> bool:
    """The owner, administrators and holders of a role it is shared with see it."""
    if user is None:
        return False
    owner = saved.get("owner")
    owner_id = owner.get("id") if isinstance(owner, dict) else owner
    if getattr(user, "is_admin", False) or (owner_id is not None and int(owner_id) == int(user.id)):
        return True
    shared = {r.strip() for r in (saved.get("shared_with") or "").split(",") if r.strip()}
    return bool(shared & set(getattr(user, "roles", ()) or ()))


def saved_report(name: str, user):
    """The report (a model ``Report``) saved as ``name`` when ``user`` may see it, else None."""
    system = records_for()
    found = system.query(ENTITY).filter(name=name).first()
    if found is None or not visible_to(found, user):
        return None
    report, _ = report_from_mapping(definition_of(found), runtime().metadata)
    return report


def on_dashboard(dashboard: str, user) -> list:
    """The reports saved onto ``dashboard`` that ``user`` may see, oldest first."""
    system = records_for()
    found = system.query(ENTITY).filter(dashboard=dashboard).order_by("id").page(size=50, count=False).rows
    reports = []
    for saved in found:
        if visible_to(saved, user):
            report, _ = report_from_mapping(definition_of(saved), runtime().metadata)
            if report is not None:
                reports.append(report)
    return reports


def save(user, name: str, label: str, definition: dict, shared_with: list[str], dashboard: str | None):
    """Create (or, for its owner, replace) the saved report ``name``; ValidationError on bad values."""
    system = records_for(channel="ui")
    values = {"name": name, "label": label or None, "definition": definition,
              "shared_with": ",".join(shared_with) or None, "dashboard": dashboard or None}
    existing = system.query(ENTITY).filter(name=name).first()
    if existing is not None and visible_to(existing, user) and _owned_by(existing, user):
        return system.update(ENTITY, existing.id, values, expected_version=existing.version)
    return system.create(ENTITY, {**values, "owner": user.id})


def _owned_by(saved, user) -> bool:
    owner = saved.get("owner")
    owner_id = owner.get("id") if isinstance(owner, dict) else owner
    return owner_id is not None and int(owner_id) == int(user.id)
