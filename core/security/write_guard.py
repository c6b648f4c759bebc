"""The last check of a write: the record as it will be stored must still be one the user may write.

``RoleAccess.can`` sees the stored record before an update; a role's ``rules:`` (e.g.
``amount < 10000``) must also hold for what the user is about to store, and a new
record must satisfy the rules of a role that may create it. The record service calls
``before_save`` after validation and before the INSERT/UPDATE, inside the write's
transaction, so refusing here writes nothing.
"""

from __future__ import annotations

from trellis.errors import ValidationError


def check(app, record, context) -> None:
    """Refuse (ValidationError, nothing written) a record outside the acting user's rules or level.

    Called by the built-in plugin ``trellis.security`` as the last ``before_save``.
    """
    if context.user is None:
        return
    from trellis.data.access import access_for

    verb = "create" if record.id is None else "write"
    # The writing service's own Access (a caller may give one), else the one registered now.
    records = getattr(context, "records", None)
    access = getattr(records, "access", None) or access_for(app)
    if not access.can(context.user, verb, record.entity, record):
        app.logger.info("denied %s of %s #%s for user %s: outside the role's rules",
                        verb, record.entity, record.id, getattr(context.user, "id", context.user))
        raise ValidationError({"__all__": f"you may not {'create' if verb == 'create' else 'save'} "
                                          f"this {record.entity} (outside what your role allows)"})
