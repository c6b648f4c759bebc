"""Built-in plugin: the write guard (``trellis.security.write_guard``), the last ``before_save``.

Late and ``trylast`` (see ``DEFAULT_PLUGINS``): it checks the record as every other
``before_save`` left it.
"""

from flask import current_app
from trellis.plugins.hookspecs import hookimpl


@hookimpl(trylast=True)
def before_save(record, changes, context):
    """Refuse (ValidationError, nothing written) a record outside the acting user's role rules."""
    if context.user is None:
        return
    from trellis.security.write_guard import check

    check(current_app._get_current_object(), record, context)
