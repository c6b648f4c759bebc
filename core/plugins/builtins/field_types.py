"""Built-in plugin: the field types of the admin guide (``string``, ``money``, ``link``...)."""

from trellis.plugins.hookspecs import hookimpl


@hookimpl
def field_types():
    """Every built-in ``FieldType`` (``trellis.metadata.field_types.BUILTIN_FIELD_TYPES``)."""
    from trellis.metadata.field_types import BUILTIN_FIELD_TYPES

    return list(BUILTIN_FIELD_TYPES)
