"""Built-in plugin: workflow approvals (a transition's ``approval:``): opening them as records move, the
approvals panel and timeline on record pages, and the approve / reject / delegation pages (the scheduler
escalates them: :mod:`trellis.automation.schedule`).

See :mod:`trellis.automation.approvals` for the rules; it does nothing for an application
whose automation engine is not set up.
"""

from flask import current_app
from trellis.plugins.hookspecs import hookimpl


def _approvals():
    from trellis.runtime import runtime

    state = runtime(current_app._get_current_object())
    return state.approvals if state.has("approvals") else None


@hookimpl
def after_transition(record, transition, context):
    """Open the approvals of the transitions that may follow this move; close those it ended."""
    approvals = _approvals()
    if approvals is None:
        return
    from trellis.runtime import runtime

    for workflow in runtime(current_app).metadata.workflows.values():
        if workflow.entity == record.entity and workflow.transitions.get(transition.name) is transition:
            approvals.after_transition(workflow, record, transition)


@hookimpl
def blueprints():
    """Approve and reject routes, and ``/approvals/delegations``."""
    from trellis.web.approval_pages import bp

    return [bp]


@hookimpl
def record_panels(entity):
    """The approvals panel (levels, decisions, the approve and reject buttons) and its timeline entries."""
    from trellis.web.approval_pages import entity_has_approvals, panel_values, timeline

    if not entity_has_approvals(entity):
        return []
    from flask_babel import lazy_gettext
    from trellis.plugins.types import RecordPanel

    return [RecordPanel("approvals", template="approvals/panel.html", values=panel_values, timeline=timeline,
                        order=20, label=lazy_gettext("Approvals"))]
