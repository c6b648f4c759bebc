"""Built-in plugin: the automation action kinds ``set``, ``create``, ``email``, ``webhook``, ``assign``..."""

from trellis.plugins.hookspecs import hookimpl


@hookimpl
def actions():
    """Every built-in action kind (``trellis.automation.actions.builtin_actions``)."""
    from trellis.automation.actions import builtin_actions

    return builtin_actions()
