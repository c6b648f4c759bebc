"""Trellis: a low-code CRM whose entities, forms, workflows and roles are YAML.

The public names a plugin or an integrator needs are importable from here.
Importing this package starts no application and reads no file: call
:func:`create_app` for that.
"""

from trellis.config import Setting, plugin_config
from trellis.errors import (
    ConflictError,
    MetadataError,
    NotFound,
    PermissionDenied,
    Problem,
    SettingsError,
    TrellisError,
    ValidationError,
)
from trellis.plugins import PluginError, PluginLoadError
from trellis.plugins.hookspecs import hookimpl
from trellis.plugins.types import (
    N_,
    Action,
    DataMigration,
    DemoContext,
    MenuItem,
    MetadataKind,
    RecordPanel,
    ScheduledJob,
    TimelineEntry,
    Widget,
)

__version__ = "0.1.0"

__all__ = [
    "Action",
    "BusinessCalendar",
    "ConflictError",
    "Context",
    "DataMigration",
    "DemoContext",
    "Entity",
    "Field",
    "FieldType",
    "InboundEmail",
    "MenuItem",
    "MetadataError",
    "MetadataKind",
    "N_",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "PluginLoadError",
    "Problem",
    "Query",
    "Record",
    "RecordPanel",
    "ScheduledJob",
    "Setting",
    "SettingsError",
    "State",
    "TimelineEntry",
    "Transition",
    "TrellisError",
    "ValidationError",
    "Widget",
    "Workflow",
    "__version__",
    "api_blueprint",
    "api_user",
    "business_calendar",
    "create_app",
    "hookimpl",
    "metadata_model",
    "plugin_config",
    "public_blueprint",
    "public_view",
    "queue_email",
    "smtp_connection",
    "records_for",
    "system_records",
]

# Fetched on first use: importing their modules on `import trellis` would load the metadata
# model or SQLAlchemy and slow every `trellis` command down.
_LAZY = {"FieldType": "trellis.metadata.model", "Record": "trellis.data.record", "Context": "trellis.data.context",
         "Query": "trellis.data.query", "Entity": "trellis.metadata.model", "Field": "trellis.metadata.model",
         "Workflow": "trellis.metadata.model", "State": "trellis.metadata.model",
         "Transition": "trellis.metadata.model", "BusinessCalendar": "trellis.working_time.model",
         "InboundEmail": "trellis.automation.inbound_mail"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trellis' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)


def records_for(user, app=None, channel="plugin"):
    """The record service acting as ``user`` (an account, a user id, or None for the system).

    ``app`` defaults to the current Flask app. Every read and write is limited to what
    ``user`` may do; ``channel`` is recorded in history. The service offers ``get``,
    ``query`` (a :class:`Query`), ``create``, ``create_many``, ``update``, ``update_many``, ``transition``,
    ``delete``, ``history``, ``lock(entity, id)`` and ``transaction()``; records are
    :class:`Record` objects::

        from trellis import records_for

        records = records_for(current_user)
        deal = records.create("deal", {"name": "Engine", "amount": 50})
        open_deals = records.query("deal").filter(stage="new").order_by("-created_at").page(size=20).rows
    """
    from trellis.data.records import records_for as service

    return service(app, user, channel)


def system_records(actor, app=None):
    """The record service acting as the system on behalf of ``actor`` (your plugin's name).

    No permission limits; it may set ``readonly`` fields (not computed ones, not
    system columns); history names ``actor`` as who made its changes. For a plugin's
    scheduled job, command or page; inside a hook use ``context.system``, which joins
    the write's transaction. Read-then-write code takes a lock in one transaction::

        from trellis import system_records

        records = system_records("loyalty")
        with records.transaction():
            member = records.lock("member", member_id)
            records.update("member", member.id, {"points": member["points"] + 10})
    """
    return records_for(None, app).as_system(actor)


def metadata_model(app=None):
    """The checked metadata of ``app`` (default: the current Flask app), as the YAML layers made it.

    ``.entities[name]`` is an :class:`Entity` (``fields``, ``title``, ``list``...) whose
    ``fields[name]`` are :class:`Field` objects; ``.workflows[name]`` a :class:`Workflow`
    (``states``, ``transitions``); ``.roles``, ``.automations`` and ``.dashboards`` the
    rest. Built once at start-up; read it, never change it::

        from trellis import metadata_model

        deal = metadata_model().entities["deal"]
        money_fields = [f.name for f in deal.fields.values() if f.type == "money"]
    """
    from trellis.runtime import runtime

    return runtime(app).metadata


def business_calendar(name=None, app=None):
    """The business calendar called ``name`` (a ``business_calendar:`` YAML document), for working-time arithmetic.

    Without ``name``: the calendar marked ``default: true`` (the last such in layer
    order), else the only one defined, else Monday to Friday 09:00-17:00 in the
    organisation's time zone (``TRELLIS_TIMEZONE``). When two layers define a calendar
    of the same name, the later (the organisation's ``metadata/``) wins. An unknown
    ``name`` raises ``LookupError``. ``app`` defaults to the current Flask app::

        from trellis import business_calendar

        desk = business_calendar("support_sofia")
        due = desk.add_working_time(ticket["created_at"], timedelta(hours=8), pauses=waiting_periods)
        spent = desk.working_time_between(ticket["created_at"], context.now)
        days_off = len(business_calendar().working_days(first_day, last_day))
    """
    from flask import current_app
    from trellis.working_time.model import BusinessCalendar

    app = app or current_app._get_current_object()
    calendars = {calendar.name: calendar for calendar in metadata_model(app).configs.get("business_calendar", [])}
    if name is not None:
        if name not in calendars:
            raise LookupError(f"no calendar '{name}' (known: {', '.join(sorted(calendars)) or 'none'})")
        return calendars[name]
    defaults = [calendar for calendar in calendars.values() if calendar.default]
    if defaults or len(calendars) == 1:
        return (defaults or list(calendars.values()))[-1]
    return BusinessCalendar.weekly("standard", str(app.config.get("TIMEZONE") or "UTC"), ["09:00-17:00"])


def queue_email(record, to, *, subject=None, body=None, template=None, cc=None, owner=None, app=None) -> int:
    """Queue an email about ``record`` (a :class:`Record`); returns the id of its row in the email log.

    ``to`` and ``cc`` are addresses (a list, or text separated by commas). The message is
    ``template`` (``emails/<template>.txt`` and ``.html`` from the metadata layers, whose
    first line may be ``Subject: ...``) or ``subject`` and ``body``; all are Jinja templates
    rendered in a sandbox with the record's fields. Queued inside the running transaction:
    sent by the job runner only after it commits, never when the write is rolled back,
    retried when the mail server fails, and shown on the record's timeline. ``owner``
    (default: the plugin whose hook is running) is what the email log names as sender::

        @hookimpl(entities=["order"])
        def after_transition(record, transition, context):
            if transition.name == "ship" and record["email"]:
                queue_email(record, record["email"], subject="Your order {{ number }} is on its way",
                            body="Hello {{ customer_name }}, ...")
    """
    from flask import current_app
    from trellis.automation.email import queue_email as queue
    from trellis.plugins.manager import running_plugin

    options = {"subject": subject, "body": body, "template": template, "cc": cc}
    return queue(app or current_app._get_current_object(), record, to,
                 {key: value for key, value in options.items() if value is not None},
                 owner or running_plugin() or "plugin")


def smtp_connection(url=None, timeout=30):
    """An ``smtplib.SMTP`` client connected to the organisation's mail server (``TRELLIS_SMTP_URL``, or ``url``),
    for a plugin that sends many messages over one connection; ``queue_email`` is the way for one message::

        with smtp_connection() as client:
            for message in messages:
                client.send_message(message)
    """
    from flask import current_app
    from trellis.automation.email import smtp_connect

    url = url or current_app.config.get("SMTP_URL")
    if not url:
        raise RuntimeError("TRELLIS_SMTP_URL is not set: cannot send email")
    return smtp_connect(url, timeout)


def api_blueprint(blueprint):
    """Make a plugin's ``blueprint`` part of the REST API; returns it.

    Its requests authenticate like ``/api/v1`` (``Authorization: Bearer <token>``, scopes,
    rate limit; :func:`api_user` is the token's user), it is exempt from CSRF (no cookies),
    and what its views raise answers as the API's JSON errors (``ValidationError`` -> 422
    with ``fields``, ``PermissionDenied`` -> 403, ``NotFound`` -> 404, ``ConflictError`` -> 409)::

        bp = api_blueprint(Blueprint("loyalty_api", __name__, url_prefix="/api/v1/loyalty"))
    """
    from trellis.api import plugin_blueprint

    return plugin_blueprint(blueprint)


def public_view(view):
    """Mark a plugin's Flask ``view`` as open without signing in; returns it.

    For pages reached by a link someone was sent (a survey, a status page), which must
    check their own signed token (``itsdangerous`` with the app's secret and a salt of
    your own) and show nothing else. CSRF protection still applies to their forms, and
    what they write goes through ``system_records`` under your plugin's name::

        @bp.get("/support/ticket/<token>")
        @public_view
        def status(token):
            ticket_id = URLSafeSerializer(current_app.secret_key, salt="service-status").loads(token)
            ...
    """
    from trellis.web import PUBLIC_MARK

    setattr(view, PUBLIC_MARK, True)
    return view


def public_blueprint(blueprint):
    """Make every page of a plugin's ``blueprint`` public; returns it.

    Unlike :func:`public_view`, its pages need no sign-in and take no CSRF token (a mail client's one-click
    unsubscribe, a tracking pixel), so each view must authenticate its request itself,
    with a signed token, and must never act on the visitor's session::

        bp = public_blueprint(Blueprint("marketing_public", __name__, url_prefix="/m"))
    """
    blueprint.trellis_public = True
    return blueprint


def api_user():
    """The user whose bearer token authenticated this request of an :func:`api_blueprint` view."""
    from flask import g

    return g.api_user


def create_app(config=None):
    """Build the Flask application; see :func:`trellis.app.create_app`."""
    from trellis.app import create_app as build

    return build(config)
