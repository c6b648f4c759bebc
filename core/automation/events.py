"""Event automations: ``trigger: {on: [create, update, delete, transition]}``, run inside the record's write.

The engine's hook implementations are the built-in plugin ``trellis.automation``
(:mod:`trellis.plugins.builtins.automation`), called by the record service after every
other plugin's ``after_save``, ``after_transition`` and ``before_delete``, in the write's
transaction; they call :func:`run_event`. Each automation runs in a SAVEPOINT: when it fails its own writes roll
back alone, the failure is recorded, and the user's save goes on, unless the
automation says ``blocking: true``, which turns the failure into a ValidationError.
"""

from __future__ import annotations

import logging
import time

from trellis.automation.actions import run_actions
from trellis.data.context import Context
from trellis.errors import ValidationError
from trellis.expr import ExpressionError
from trellis.metadata.model import Automation

log = logging.getLogger("trellis.automation")

_RUNNING = "trellis_automations_running"
MAX_CHAIN = 8   # automations triggering automations: deeper than this is a loop


def triggered(automation: Automation, entity: str, event: str, changes: dict, transition: str | None) -> bool:
    """True when ``automation`` reacts to ``event`` on a record of ``entity`` with these ``changes``."""
    trigger = automation.trigger
    if not automation.enabled or automation.entity != entity or event not in trigger.on:
        return False
    if event == "update" and trigger.fields and not set(trigger.fields) & set(changes):
        return False
    return not (event == "transition" and trigger.transitions and transition not in trigger.transitions)


def run_event(app, event: str, record, changes: dict, context, transition: str | None = None) -> None:
    """Run every enabled automation that reacts to ``event`` on ``record``."""
    from trellis.runtime import runtime

    metadata = runtime(app).metadata
    for automation in list(metadata.automations.values()):
        if triggered(automation, record.entity, event, changes, transition):
            run_automation(app, automation, record, event, context.now)


def automation_context(app, now) -> Context:
    """What actions receive: the system acting through the ``automation`` channel, at ``now``."""
    from trellis.data.records import records_for

    return Context(user=None, channel="automation", now=now, records=records_for(app, None, "automation"),
                   operation="job")


def run_automation(app, automation: Automation, record, trigger: str, now) -> str | None:
    """Check ``when`` and run the actions in a savepoint; record the run. Returns the outcome.

    Returns None (and records nothing) when the automation is already running on this
    record further up the stack: its own writes do not trigger it again.
    """
    from trellis.automation.runs import record_run
    from trellis.automation.state import automation_state
    from trellis.data.database import db
    from trellis.data.unit import savepoint

    session = db.session
    running: list = session.info.setdefault(_RUNNING, [])
    key = (automation.name, record.entity, record.id)
    if key in running:
        return None
    if len(running) >= MAX_CHAIN:
        raise ValidationError({"__all__": f"automations triggered each other {MAX_CHAIN} levels deep "
                                          f"({' -> '.join(k[0] for k in running)}): stopped as a loop"})
    table = automation_state(app).tables.runs
    started = time.monotonic()
    outcome, error = "ok", None
    try:
        wanted = automation.when is None or automation.when.evaluate(record.expression_values(), now=now)
    except ExpressionError as e:
        wanted, outcome, error = False, "failed", f"when: {e}"
    if not wanted:
        outcome = outcome if error else "skipped"
    else:
        running.append(key)
        nested = savepoint()
        try:
            run_actions(app, automation.actions, record, automation_context(app, now), automation.name)
            nested.commit()
        except Exception as e:  # any failure of an action: roll its writes back, then decide
            nested.rollback()
            outcome, error = "failed", _describe(e)
            log.warning("automation %s failed on %s #%s: %s", automation.name, record.entity, record.id, error)
            if automation.blocking:
                fields = e.fields if isinstance(e, ValidationError) else {"__all__": error}
                raise ValidationError(fields, f"automation '{automation.name}' failed: {error}") from e
        finally:
            running.remove(key)
    record_run(session.connection(), table, automation.name, record.entity, record.id, trigger, outcome, error,
               now, int((time.monotonic() - started) * 1000))
    return outcome


def transition_actions(app):
    """The callable the record service runs for a transition's ``actions`` (its ``transition_actions`` service).

    Transition actions are part of the move: a failure refuses the transition.
    """

    def run(record, transition, context) -> None:
        try:
            run_actions(app, transition.actions, record, automation_context(app, context.now),
                        f"transition:{transition.name}")
        except ValidationError:
            raise
        except Exception as e:
            raise ValidationError({"__all__": f"'{transition.name}' could not run its actions: {_describe(e)}"}) from e

    return run


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return error.message
    return f"{type(error).__name__}: {error}"
