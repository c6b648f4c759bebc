"""Built-in plugin: queue webhook deliveries for record events (``trellis.api.webhooks``).

Late (see ``DEFAULT_PLUGINS``), after the automation engine. Does nothing for an
application without the job queue.
"""

from flask import current_app
from trellis.plugins.hookspecs import hookimpl


def _queue(record, event: str, context, transition: str | None = None) -> None:
    from trellis.runtime import runtime

    app = current_app._get_current_object()
    if runtime(app).has("jobs"):
        from trellis.api.webhooks import queue_event

        queue_event(app, record, event, context, transition)


@hookimpl
def after_save_many(entity, saved, context):
    """A create (version 1) or an update per record; the subscriptions looked up once for the batch."""
    from trellis.runtime import runtime

    app = current_app._get_current_object()
    if not runtime(app).has("jobs"):
        return
    from trellis.api.webhooks import queue_event, subscribed

    if subscribed(app, entity):
        for record, _ in saved:
            queue_event(app, record, "create" if record.version == 1 else "update", context)


@hookimpl
def after_transition(record, transition, context):
    """A workflow move (also reported as an ``update`` by ``after_save``)."""
    _queue(record, "transition", context, transition=transition.name)


@hookimpl
def before_delete(record, context):
    """A delete: queued in the delete's transaction, so sent only if the delete commits."""
    _queue(record, "delete", context)
