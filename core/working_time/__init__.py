"""Business calendars: working weeks with breaks, holidays and time zones, and time measured on them.

A :class:`~trellis.working_time.model.BusinessCalendar` answers "when is this
due, counting only working time" (:meth:`add_working_time`) and "how much working
time passed" (:meth:`working_time_between`), with pauses. Calendars are written as
``business_calendar:`` YAML documents (:mod:`.document`) in any metadata layer, one per
organisation, team or site, and found by name with ``trellis.working_time()``.
Neither Flask nor SQLAlchemy is imported here: the arithmetic is pure.
"""
