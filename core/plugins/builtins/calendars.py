"""Built-in plugin: the ``business_calendar:`` YAML document (business calendars), in any metadata layer."""

from trellis.plugins.hookspecs import hookimpl


@hookimpl
def metadata_kinds():
    """The ``business_calendar:`` document: one business calendar (working hours, holidays, time zone)."""
    from trellis.plugins.types import MetadataKind
    from trellis.working_time.document import SCHEMA, build

    return [MetadataKind("business_calendar", build, SCHEMA)]
