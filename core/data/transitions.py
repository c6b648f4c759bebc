"""Workflow checks the record service runs when a record moves between states."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trellis.data.coerce import empty, label_text
from trellis.expr import ExpressionError
from trellis.metadata.model import Transition, Workflow


def check_transition(workflow: Workflow, transition: Transition, state: Any, values: dict[str, Any],
                     now: datetime, errors: dict[str, str]) -> None:
    """Add to ``errors`` why ``transition`` may not run from ``state`` on ``values`` (nothing when it may).

    Refused when the current state is not one of its sources, when its ``when``
    guard is false (both on the state field), or when a ``require``d field is empty
    (on that field).
    """
    name = label_text(transition.label) or transition.name
    if not transition.allowed_from(state):
        errors[workflow.field] = f"cannot '{name}' from '{state}' (allowed from: {', '.join(transition.sources)})"
        return
    for field_name in transition.require:
        if empty(values.get(field_name)):
            errors.setdefault(field_name, f"is required to '{name}'")
    if transition.when is not None and not transition.when.names & errors.keys():
        try:
            allowed = transition.when.evaluate(values, now=now)
        except ExpressionError as e:
            allowed, why = False, e.message
        else:
            why = f"needs {transition.when.source}"
        if not allowed:
            errors.setdefault(workflow.field, f"cannot '{name}' now: {why}")


def state_field_guard(workflow: Workflow | None, given: dict[str, Any], old: dict[str, Any] | None,
                      errors: dict[str, str]) -> None:
    """Refuse a plain write that sets a workflow-owned state field.

    An update may not change it; a new record (``old`` None) starts in the
    workflow's first state or none, so creating one cannot skip the guards either.
    """
    if workflow is None or workflow.field not in given:
        return
    moves = ", ".join(workflow.transitions) or "none defined"
    if old is None:
        first = next(iter(workflow.states), None)
        if not empty(given[workflow.field]) and given[workflow.field] != first:
            errors[workflow.field] = f"a new record starts in '{first}'; it moves on by a transition ({moves})"
    elif given[workflow.field] != old.get(workflow.field):
        errors[workflow.field] = f"is changed by a workflow transition ({moves}), not by editing"
