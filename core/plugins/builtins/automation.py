"""Built-in plugin: the automation engine's record hooks (``trigger: {on: [...]}`` automations).

Late (see ``DEFAULT_PLUGINS``): automations see what every plugin's hook did. They do
nothing for an application whose automation engine is not set up.
"""

from flask import current_app
from trellis.plugins.hookspecs import hookimpl


def _app():
    from trellis.runtime import runtime

    app = current_app._get_current_object()
    return app if runtime(app).has("automation") else None


@hookimpl
def after_save(record, changes, context):
    """Run ``create`` automations (first write, version 1) or ``update`` ones whose ``fields`` changed."""
    app = _app()
    if app is not None:
        from trellis.automation.events import run_event

        run_event(app, "create" if record.version == 1 else "update", record, changes, context)


@hookimpl
def after_transition(record, transition, context):
    """Run ``transition`` automations (limited to ``transitions:`` when given)."""
    app = _app()
    if app is not None:
        from trellis.automation.events import run_event

        run_event(app, "transition", record, {}, context, transition=transition.name)


@hookimpl
def before_delete(record, context):
    """Run ``delete`` automations while the record still exists."""
    app = _app()
    if app is not None:
        from trellis.automation.events import run_event

        run_event(app, "delete", record, {}, context)
