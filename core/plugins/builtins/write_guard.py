"""Built-in plugin: the write guard (``trellis.security.write_guard``), the last ``before_save``.

Late and ``trylast`` (see ``DEFAULT_PLUGINS``): it checks the record as every other
``before_save`` left it. Does nothing for an application whose access control is not set up.
"""

from flask import current_app
from trellis.plugins.hookspecs import hookimpl


@hookimpl(trylast=True)
def before_save(record, changes, context):
    """Refuse (ValidationError, nothing written) a record outside the acting user's role rules."""
    if context.user is None:
        return
    from trellis.runtime import runtime

    app = current_app._get_current_object()
    if "access" in runtime(app).services:
        from trellis.security.write_guard import check

        check(app, record, context)
