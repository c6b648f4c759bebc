"""What automations and workflow transitions do: the built-in action kinds, and plugin ones.

Every kind is a ``trellis.Action`` from an ``actions()`` hook: the built-in ones come
from the built-in plugin ``trellis.actions`` (:func:`builtin_actions`). Each built-in is
``run(app, spec, record, context, owner)``: ``spec`` is the
:class:`~trellis.metadata.model.ActionSpec` (options and compiled expressions),
``record`` the triggering record, ``context`` a :class:`trellis.data.context.Context`
whose ``records`` is a system record service in the same transaction, and
``owner`` names the automation (or ``transition:<name>``) for logs.

Actions that write records (``set``, ``create``, ``assign``, plugin
kinds) write through ``context.records``, inside the transaction. Actions that
send something out (``email``, ``webhook``) only queue a job in that transaction;
the job runs after the commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from trellis.data.context import Context
from trellis.metadata.model import ActionSpec

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_OFFSET = re.compile(r"^([+-]?\d{1,4})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def run_actions(app, actions, record, context: Context, owner: str) -> None:
    """Run ``actions`` in order on ``record``; the first failure raises (the caller decides what it means)."""
    for spec in actions:
        run_action(app, spec, record, context, owner)


def run_action(app, spec: ActionSpec, record, context: Context, owner: str) -> None:
    """Run one action kind, built-in or a plugin's: each comes from an ``actions()`` hook, resolved once
    (``PluginSet.registry``). ``run`` receives the options as an :class:`ActionOptions` (a dict)."""
    action = _actions(app).get(spec.kind)
    if action is None:
        raise LookupError(f"no action kind '{spec.kind}' (is the plugin that adds it enabled?)")
    options = spec.options
    action.run(record, ActionOptions(spec, owner) if isinstance(options, dict) or options is None else options,
               context)


class ActionOptions(dict):
    """An action's options as written in YAML (a dict), with ``spec`` (the compiled
    :class:`~trellis.metadata.model.ActionSpec`) and ``owner`` (the automation, or
    ``transition:<name>``) for the built-in kinds."""

    def __init__(self, spec: ActionSpec, owner: str):
        super().__init__(spec.options or {})
        self.spec = spec
        self.owner = owner


def _actions(app) -> Mapping[str, Any]:
    from trellis.runtime import runtime

    return runtime(app).plugins.registry.actions


def option(spec: ActionSpec, path: str, raw: Any, record, context: Context) -> Any:
    """The value of option ``path``: its compiled expression evaluated on ``record``, else ``raw`` as written."""
    expression = spec.expressions.get(path)
    if expression is None:
        return raw
    return expression.evaluate(record.expression_values(), now=context.now)


def offset(text: str | None) -> timedelta:
    """``"3d"`` -> 3 days; ``"-1d"``, ``"2h"``, ``"30m"``, ``"1w"``; None -> 0."""
    if not text:
        return timedelta()
    match = _OFFSET.match(str(text).strip())
    if match is None:
        raise ValueError(f"'{text}' is not an offset like 3d, -1d, 2h, 30m or 1w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def fill(text: str, values: dict[str, Any]) -> str:
    """Replace ``{field}`` in ``text`` with the record's values (nothing else: no attribute access)."""
    return _PLACEHOLDER.sub(lambda m: "" if values.get(m.group(1)) is None else str(values.get(m.group(1))), text)


# --- the built-in kinds -----------------------------------------------------------------


def set_fields(app, spec: ActionSpec, record, context: Context, owner: str) -> None:
    """``- set: {field: expression}``: update the triggering record."""
    values = {name: option(spec, name, raw, record, context) for name, raw in dict(spec.options or {}).items()}
    if values:
        _refresh(record, context.records.update(record.entity, record.id, values))


def create_record(app, spec: ActionSpec, record, context: Context, owner: str) -> None:
    """``- create: {entity: task, set: {field: expression}}``: create another record."""
    options = dict(spec.options or {})
    values = {name: option(spec, f"set.{name}", raw, record, context)
              for name, raw in dict(options.get("set") or {}).items()}
    context.records.create(options["entity"], values)


def assign(app, spec: ActionSpec, record, context: Context, owner: str) -> None:
    """``- assign: {to: "['ann@example.com', 'bob@example.com']"}``: set the record's user field.

    ``to`` is an expression giving a user (id or email) or a list of them; a list is
    served round-robin (the n-th successful run of this automation takes item n mod
    len). The field set is the entity's owner field (``owner_field:``, else a user field called
    ``owner``), else its first user field.
    """
    from trellis.automation.runs import ok_runs
    from trellis.automation.state import automation_state
    from trellis.data.database import db

    target = option(spec, "to", dict(spec.options or {}).get("to"), record, context)
    if isinstance(target, list | tuple):
        if not target:
            raise ValueError("assign: 'to' gave an empty list")
        turn = ok_runs(db.session.connection(), automation_state(app).tables.runs, owner)
        target = target[turn % len(target)]
    user = _user_id(context, target)
    entity = context.records.metadata.entities[record.entity]
    users = [name for name, f in entity.fields.items() if f.type == "user"]
    field = entity.owner_field or (users[0] if users else None)
    if field is None:
        raise LookupError(f"assign: {record.entity} has no user field")
    _refresh(record, context.records.update(record.entity, record.id, {field: user}))


def _refresh(record, updated) -> None:
    """Copy the stored values into the triggering record, which the user's create or update returns.

    Without this, the caller would hold the version before the automation's write,
    and its next edit would be refused as a conflict.
    """
    record.update(updated)
    record.system.update(updated.system)


def _user_id(context: Context, target: Any) -> int:
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if isinstance(target, str) and "@" in target:
        found = context.records.query("user").filter(email=target.strip()).page(size=1, count=False).rows
        if not found:
            raise LookupError(f"assign: no user with email '{target}'")
        return found[0].id
    raise ValueError(f"assign: 'to' must give a user's email or id, not {target!r}")


def queue_email(app, spec: ActionSpec, record, context: Context, owner: str) -> None:
    """``- email: {to: "email", template: birthday}``: render now, send after commit (see :mod:`.email`)."""
    from trellis.automation.email import queue_email as queue

    options = dict(spec.options or {})
    to = option(spec, "to", options.get("to"), record, context)
    queue(app, record, to, options, owner)


def queue_webhook(app, spec: ActionSpec, record, context: Context, owner: str) -> None:
    """``- webhook: {url: "https://...", fields: [name, amount]}``: POST the record as JSON after commit."""
    from trellis.automation.webhooks import queue_webhook as queue

    queue(app, record, dict(spec.options or {}), owner, context.now)


def _builtin(function):
    """A built-in kind as an ``Action`` whose ``run`` calls ``function(app, spec, record, context, owner)``;
    its options are declared in :data:`trellis.metadata.actions.BUILTIN_OPTIONS`."""
    from trellis.metadata.actions import BUILTIN_OPTIONS
    from trellis.plugins.types import Action

    def run(record, options, context):
        from flask import current_app

        function(current_app._get_current_object(), options.spec, record, context, options.owner)

    name = BUILTIN_NAMES[function.__name__]
    declared = BUILTIN_OPTIONS[name]
    return Action(name=name, options_schema=None, run=run, keys=declared.keys, main=declared.main)


BUILTIN_NAMES = {"set_fields": "set", "create_record": "create", "assign": "assign", "queue_email": "email",
                 "queue_webhook": "webhook"}


def builtin_actions() -> list:
    """The built-in action kinds as ``trellis.Action`` objects, for the built-in plugin's ``actions()`` hook."""
    return [
        _builtin(set_fields),
        _builtin(create_record),
        _builtin(assign),
        _builtin(queue_email),
        _builtin(queue_webhook),
    ]
