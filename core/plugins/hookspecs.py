"""The plugin API: every hook Trellis calls, each documented here.

Plugins implement hooks with ``from trellis import hookimpl``. These docstrings are
the reference: ``docs/plugins.md`` is generated from them (``python docs/gen_hooks.py``)
and a test checks that the two agree.

Every hook is optional. A hook that returns a list may also return ``None`` (nothing
to add). Hooks run in plugin load order (dependencies first), after Trellis's own
built-in plugins (field types, actions, API pages, automations, webhooks, the write guard);
``@hookimpl(tryfirst=True)`` runs an implementation before the others and
``@hookimpl(trylast=True)`` after them. An exception other than
``trellis.ValidationError`` raised by a hook is reported as a ``trellis.PluginError``
naming the plugin and the hook.

Hooks that return what a plugin adds (``field_types``, ``actions``,
``expression_functions``, ``dashboard_widgets``, ``scheduled_jobs``, ``blueprints``,
``template_dirs``, ``cli_commands``) are called once, when the application starts;
what they return is kept for the life of the process.

Entity-scoped hooks: an implementation of a record hook (one that receives a
``record`` or an ``entity``: ``before_save``, ``after_save``, ``before_delete``,
``after_transition``...) may name the entities it is for, and is then not called for
any other (the entity is ``record.entity``, or the ``entity`` argument)::

    @hookimpl(entities=["deal", "quote"])
    def before_save(record, changes, context):
        ...  # only deals and quotes get here

Which implementations run for each (hook, entity) is worked out once, so a scoped
implementation costs nothing on other entities' writes. ``entities`` on a hook that
is not a record hook, and pluggy's ``wrapper=True``/``hookwrapper=True``, are refused
when the plugin loads (``PluginLoadError`` naming the plugin and the hook).
"""

from collections.abc import Iterable

import pluggy

hookspec = pluggy.HookspecMarker("trellis")


class HookimplMarker(pluggy.HookimplMarker):
    """``@hookimpl``: pluggy's marker, plus ``entities=[...]`` for record hooks.

    ``@hookimpl``, ``@hookimpl(tryfirst=True)``, ``@hookimpl(trylast=True)`` and
    ``@hookimpl(entities=["deal"])`` all work; ``entities`` is kept on the function as
    ``trellis_entities`` (a frozenset).
    """

    def __call__(self, function=None, *, entities: Iterable[str] | str | None = None, **options):
        """Mark ``function`` (or return a decorator when called with options only)."""
        scope = _scope(entities)

        def mark(func):
            marked = pluggy.HookimplMarker.__call__(self, func, **options)
            if scope is not None:
                setattr(marked, f"{self.project_name}_entities", scope)
            return marked

        return mark(function) if function is not None else mark


def _scope(entities: Iterable[str] | str | None) -> frozenset[str] | None:
    if entities is None:
        return None
    names = [entities] if isinstance(entities, str) else list(entities)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise TypeError(f"hookimpl(entities=...) takes a list of entity names, not {entities!r}")
    return frozenset(names)


hookimpl = HookimplMarker("trellis")


@hookspec
def metadata_dirs():
    """Return the folders of YAML this plugin contributes.

    Called once while the application is built, before the YAML is loaded.
    Return a list of paths (``str`` or ``pathlib.Path``); each is read like an
    organisation's ``metadata/`` folder (``entities/``, ``workflows/``,
    ``automations/``, ``roles.yaml``). Layers load in plugin dependency order, after
    the core layer and before the organisation's own ``metadata/``.

    Without this hook, the plugin's ``metadata/`` folder (next to its
    ``plugin.yaml``) is used if it exists, so most plugins never implement it.

    Example::

        from pathlib import Path

        @hookimpl
        def metadata_dirs():
            here = Path(__file__).parent
            return [here / "metadata", here / "extra_metadata"]
    """


@hookspec
def field_types():
    """Return new field types for entities' YAML.

    Called once while the metadata loads. Return a list of
    ``trellis.FieldType(name, storage, coerce=None, options=(), label={})``:
    ``storage`` is one of ``string text integer decimal boolean date datetime json``
    (how the value is stored); ``coerce(value, field)`` turns input (form strings,
    JSON) into the stored value or raises ``ValueError("message for the user")``;
    ``options`` names the extra YAML keys the type accepts (found in ``field.extra``).
    The form widget, the display in lists, the list filter and the API's JSON schema
    follow ``storage`` (an ``iban`` on ``string`` storage is a text input, shown as
    text, a string in the API); say otherwise with ``widget=`` (``textarea``,
    ``select``, ``email``...), ``display=`` (``money``, ``choice``...), ``filter=``
    (``choice``, ``boolean``, ``range``, ``none``) and ``format=`` (``email``, ``uri``).

    Example::

        from trellis import FieldType, hookimpl

        def coerce_iban(value, field):
            value = str(value).replace(" ", "").upper()
            if not value[:2].isalpha():
                raise ValueError("an IBAN starts with a country code")
            return value

        @hookimpl
        def field_types():
            return [FieldType("iban", "string", coerce_iban, label={"en": "IBAN"})]

    then, in YAML: ``account: {type: iban}``.
    """


@hookspec
def expression_functions():
    """Return new functions for the expression language.

    Called once while the metadata loads (expressions are compiled at load time, so
    the names must be known then). Return a dict mapping a name to a plain Python
    callable. Functions must be pure: no I/O, no database, no clock, the same result
    for the same arguments, and quick. Two plugins may not add the same name.

    Example::

        @hookimpl
        def expression_functions():
            return {"initials": lambda name: "".join(p[:1] for p in (name or "").split())}

    then, in YAML: ``short: {type: string, compute: "initials(name)"}``.
    """


@hookspec
def actions():
    """Return automation action kinds this plugin adds.

    Called once at start-up. Return a list of ``trellis.Action(name, options_schema,
    run)``: ``name`` is used in YAML (``- add_points: {points: 10}``),
    ``options_schema`` is a JSON Schema dict for the options (or ``None``), and
    ``run(record, options, context)`` is called inside the record's transaction.
    ``context.records`` writes other records with the acting user's permissions.

    Example::

        from trellis import Action, hookimpl

        def add_points(record, options, context):
            member = context.records.get("member", record["member"])
            context.records.update("member", member.id, {"points": member["points"] + options["points"]})

        @hookimpl
        def actions():
            schema = {"type": "object", "properties": {"points": {"type": "integer"}}, "required": ["points"]}
            return [Action("add_points", schema, add_points)]
    """


@hookspec
def before_save(record, changes, context):
    """Check or change a record just before it is written.

    Called by the record service for every create, and every update that changes
    something, of every entity (or of the entities named by ``@hookimpl(entities=[...])``),
    after validation, defaults
    and computed fields, inside the write's transaction; what the hook changes is
    validated again. ``record`` behaves like a dict of field values
    (``record["amount"]``, ``record.get("stage")``; assignment is allowed here and is
    saved) with ``record.entity`` and ``record.id`` (``None`` before insert);
    ``changes`` maps each changed field to ``(old, new)``; ``context`` has ``user``,
    ``channel`` (``ui``, ``api``, ``import``, ``automation``, ``plugin``), ``operation``
    (``form``, ``api``, ``import``, ``merge``, ``cascade``, ``job``, ``system``), ``now``,
    ``records`` (the record service, acting as the user) and ``system`` (a record
    service acting as the system in the same transaction; history names your plugin).
    To check a value other writers may change at the same time (a balance), read it
    with ``context.records.lock(entity, id)``: concurrent writers then take turns.

    Return nothing. To refuse the write raise ``trellis.ValidationError({"field":
    "message"})``: the user sees it as a field error and nothing is written. Any other
    exception rolls the transaction back and is reported as a ``PluginError`` naming
    your plugin.

    Example::

        from trellis import ValidationError, hookimpl

        @hookimpl(entities=["deal"])
        def before_save(record, changes, context):
            if (record.get("amount") or 0) > 1_000_000:
                raise ValidationError({"amount": "Deals over a million need a manager"})
    """


@hookspec
def after_save(record, changes, context):
    """React to a record that was just created or updated.

    Called by the record service after the write, still inside its transaction, so
    records you write through ``context.records`` commit (or roll back) with it.
    Arguments as for ``before_save``; ``record.id`` is set. Do not change ``record``
    here. Return nothing. Work that leaves the system (email, HTTP) belongs in an
    automation or a job, which run after commit.

    Example::

        @hookimpl(entities=["deal"])
        def after_save(record, changes, context):
            if "stage" in changes and record["stage"] == "won":
                context.records.create("activity", {"kind": "task", "subject": "Send invoice",
                                                    "ref_entity": "deal", "ref_record": record.id})
    """


@hookspec
def after_save_many(entity, saved, context):
    """React to records of one entity saved together: the batch form of ``after_save``.

    ``records.create_many`` and ``records.update_many`` (and so CSV import, which uses
    them) save many records of ``entity`` (the entity's name) in one call; a plugin
    that implements this hook gets the whole batch in one call instead of one
    ``after_save`` per record, so that it can read and write for all of them with a
    few queries (one ``IN (...)`` look-up, one ``create_many``). ``saved`` is a list of
    ``(record, changes)`` pairs in the order the records were given, each as
    ``after_save`` would receive it; ``context`` as for ``before_save`` (one for the
    batch). A single save (``create``, ``update``, a transition) calls it with a list of
    one pair. A plugin implementing both hooks for an entity gets ``after_save_many``
    for every save of it and never its ``after_save``; a plugin implementing only
    ``after_save`` still gets one call per record, in its turn among the plugins.

    Called after the records and their history were written and their parents'
    roll-ups updated, inside the transaction (and, for ``create_many``, the batch's
    savepoint). Return nothing. Raising ``trellis.ValidationError`` refuses the batch:
    ``update_many`` writes nothing; ``create_many`` rolls the batch back and saves its
    rows again one at a time (calling the hook with one pair each), so that only the
    refused row fails and nothing it caused stays. Lock what you read and then write
    in a fixed order (``context.system.lock_many(entity, ids)`` locks many in id order).

    Example::

        @hookimpl(entities=["order"])
        def after_save_many(entity, saved, context):
            paid = [record for record, changes in saved if "status" in changes and record["status"] == "paid"]
            if paid:
                context.system.create_many("invoice", [{"order": order.id, "amount": order["amount"]}
                                                       for order in paid])
    """


@hookspec
def before_delete(record, context):
    """Check a record just before it is deleted.

    Called by the record service inside the delete's transaction, with the record as
    stored (``record.entity``, ``record.id``, field values) and the ``context``
    described under ``before_save``. Return nothing; raise
    ``trellis.ValidationError("message")`` to refuse the delete.

    Example::

        from trellis import ValidationError, hookimpl

        @hookimpl(entities=["invoice"])
        def before_delete(record, context):
            if record.get("status") == "paid":
                raise ValidationError("A paid invoice cannot be deleted")
    """


@hookspec
def after_delete(record, context):
    """React to a record that was just deleted.

    Called by the record service inside the delete's transaction, after the row and
    its many-to-many links are gone and parents' roll-ups are recomputed, with the
    record as it was stored. ``context`` as for ``before_save``; its ``operation`` is
    ``"cascade"`` when the record goes because a record it links to with
    ``on_delete: cascade`` was deleted. Return nothing; an exception rolls the whole
    delete back (a ``ValidationError`` refuses it).

    Example::

        @hookimpl
        def after_delete(record, context):
            if record.entity == "points" and context.operation != "cascade":
                member = context.system.lock("member", record["member"])
                context.system.update("member", member.id, {"points": member["points"] - record["amount"]})
    """


@hookspec
def after_transition(record, transition, context):
    """React to a workflow move.

    Called by the record service after a transition was applied and saved, inside
    its transaction. ``record`` is the record in its new state; ``transition`` is the
    ``trellis.metadata.model.Transition`` (``.name``, ``.sources``, ``.target``);
    ``context`` as for ``before_save``. Return nothing.

    Example::

        @hookimpl(entities=["deal"])
        def after_transition(record, transition, context):
            if transition.name == "win":
                context.records.create("note", {"body": "Won!", "ref_entity": "deal", "ref_record": record.id})
    """


@hookspec
def blueprints():
    """Return Flask blueprints with this plugin's pages.

    Called once while the web layer is set up. Return a list of
    ``flask.Blueprint``; give each a unique name and put its routes under a prefix
    of your own (``/loyalty/...``) so they cannot clash with ``/app/...``.

    Example::

        from flask import Blueprint

        bp = Blueprint("loyalty", __name__, url_prefix="/loyalty")

        @bp.get("/leaderboard")
        def leaderboard():
            return "..."

        @hookimpl
        def blueprints():
            return [bp]
    """


@hookspec
def menu_items(user):
    """Return entries for the navigation menu shown to ``user``.

    Called each time a page renders its menu (keep it quick: no queries).
    ``user`` is the signed-in user, or ``None``. Return a list of
    ``trellis.MenuItem(label, url, icon=None, order=100, group=None)``; return
    nothing for a user who should not see them.
    ``label`` and ``group`` may be text per locale, as in the YAML
    (``{"en": "Deals", "ru": "Сделки"}``); the menu shows the user's locale.

    Example::

        from trellis import MenuItem, hookimpl

        @hookimpl
        def menu_items(user):
            return [MenuItem("Contacts", "/app/contact", icon="person", order=10)]
    """


@hookspec
def dashboard_widgets():
    """Return widgets that dashboards may show.

    Called once at start-up. Return a list of
    ``trellis.Widget(name, title, render, size="medium")``; ``render(context)``
    returns HTML (escape what you did not write) and ``context`` has ``user``,
    ``records`` (the record service acting as that user, so it sees only what they
    may read) and ``now``.

    Widgets appear on the dashboards organisations define in YAML
    (``dashboard: sales`` with ``widgets: [open_tasks]``, in a plugin's or the
    organisation's ``metadata/dashboards/``), at ``/dashboards/<name>``; ``trellis
    check`` refuses a name no plugin provides. ``render`` runs on every page view;
    if it raises, the page shows an error box naming the widget and logs the error.

    Example::

        from markupsafe import escape
        from trellis import Widget, hookimpl

        def open_tasks(context):
            page = context.records.query("activity").filter(done=False).page(size=5)
            return "<ul>" + "".join(f"<li>{escape(r['subject'])}</li>" for r in page.rows) + "</ul>"

        @hookimpl
        def dashboard_widgets():
            return [Widget("open_tasks", "Open tasks", open_tasks, size="small")]
    """


@hookspec
def record_panels(entity):
    """Return panels for the pages of ``entity``'s records, and entries for their timeline.

    Called when a record's page renders, with the entity's name. Return a list of
    ``trellis.RecordPanel(name, template=None, values=None, timeline=None, order=100, label="")``
    (or nothing for entities the plugin does not add to). ``template`` names a
    template (from your ``template_dirs()``) shown in the record's timeline card, with
    ``entity``, ``record`` and ``panel_values`` (what ``values(entity, record)``
    returns); ``timeline(entity, record, records)`` returns
    ``trellis.TimelineEntry(kind, at, who, text, detail="", url=None, label="")``
    items, read with ``records``, the record service acting as the viewer. A panel with a
    ``timeline`` is also one of the timeline's filters (``?timeline=<name>``), shown as
    ``label`` (default: the name).

    Example::

        from trellis import RecordPanel, TimelineEntry, hookimpl

        def calls(entity, record, records):
            rows = records.query("call").filter(about=record.id).page(size=20).rows
            return [TimelineEntry("call", r.created_at, r.created_by, r["summary"], label="call") for r in rows]

        @hookimpl
        def record_panels(entity):
            if entity == "customer":
                return [RecordPanel("calls", template="calls/form.html", timeline=calls)]
    """


@hookspec
def template_dirs():
    """Return folders of Jinja templates that override or add to the theme's.

    Called once while the web layer is set up. Templates are looked up in the
    organisation's theme first, then in plugins' folders (in load order), then in
    the default theme; a file with the same name as the default theme's replaces it.

    Example::

        from pathlib import Path

        @hookimpl
        def template_dirs():
            return [Path(__file__).parent / "templates"]
    """


@hookspec
def cli_commands():
    """Return extra ``trellis`` sub-commands.

    Called once while the application is built; the commands are added to
    ``app.cli`` and run inside an application context (use ``flask.current_app``).
    Return a list of ``click.Command``; do not reuse a name Trellis already has.

    Example::

        import click

        @click.command("loyalty-recalc")
        def recalc():
            \"\"\"Recompute every member's points.\"\"\"
            click.echo("done")

        @hookimpl
        def cli_commands():
            return [recalc]
    """


@hookspec
def settings():
    """Return the settings this plugin reads.

    Called once at start-up, before the settings are read. Return a list of
    ``trellis.Setting(name, default, help, parser=None)``: ``name`` in upper case
    (prefix it with your plugin's name), settable as ``TRELLIS_<NAME>`` in the
    environment and ``<name>:`` in ``trellis.yaml``, read as
    ``current_app.config["<NAME>"]``; ``parser(value)`` turns text or a YAML value into
    what you use and raises ``ValueError`` with a reason. For a group of options, read
    your own section of ``trellis.yaml`` (``plugins: {loyalty: {...}}``) with
    ``trellis.plugin_config("loyalty")`` instead.

    Example::

        from trellis import Setting, hookimpl
        from trellis.config import positive_integer

        @hookimpl
        def settings():
            return [Setting("LOYALTY_POINTS_PER_EURO", 1, "points earned per euro spent", positive_integer)]
    """


@hookspec
def metadata_kinds():
    """Return kinds of YAML document this plugin declares for its own configuration.

    Called once while the metadata loads. Return a list of
    ``trellis.MetadataKind(name, build, schema=None)`` (``schema``: the document's
    JSON Schema, which ``trellis schema`` gives editors): a file in any metadata layer whose
    top-level key is ``name`` (``loyalty:``) is passed to ``build(document, reader)``,
    which reports problems with ``reader.error(document.value_at(key), "message")``
    (``trellis check`` prints them as ``path:line:col: error: message``) and returns
    what to keep. What ``build`` returns is listed in
    ``trellis.metadata_model().configs[name]``, in layer order. Two plugins may not
    declare the same kind, nor a plugin one of the core's (``entity``, ``workflow``...).

    Example::

        from trellis import MetadataKind, hookimpl

        def programme(document, reader):
            reader.keys(document, ["loyalty", "points_per_unit"], "a loyalty programme")
            return {"name": document["loyalty"], "rate": reader.integer(document, "points_per_unit",
                                                                        "a loyalty programme", minimum=1)}

        @hookimpl
        def metadata_kinds():
            return [MetadataKind("loyalty", programme)]
    """


@hookspec
def scheduled_jobs():
    """Return periodic work for the scheduler.

    Called once at start-up. Return a list of
    ``trellis.ScheduledJob(name, schedule, run)``: ``schedule`` is a cron expression
    in the organisation's time zone and ``run(context)`` does the work
    (``context.records`` is a system record service, ``context.now`` the time).
    Jobs run in-process (``trellis serve``) or on Celery beat (``trellis scheduler``).

    Example::

        from trellis import ScheduledJob, hookimpl

        def expire_points(context):
            ...

        @hookimpl
        def scheduled_jobs():
            return [ScheduledJob("expire_points", "0 3 * * *", expire_points)]
    """


@hookspec
def data_migrations():
    """Return one-time changes of this plugin's data, for ``trellis migrate`` to run once each.

    Called by ``trellis migrate`` after the tables are up to date. Return a list of
    ``trellis.DataMigration(name, run)``, oldest first. Each one not yet recorded for this
    database runs in its own transaction: ``run(context)`` with ``context.records`` (a
    system record service) and ``context.connection``; it is recorded in the same
    transaction, so one that raises is rolled back whole, stops the command (exit 1) and
    runs again next time. ``trellis migrate --dry-run`` lists the ones pending.

    Example::

        from trellis import DataMigration, hookimpl

        def split_full_names(context):
            for row in context.records.query("member").all():
                first, _, last = (row["full_name"] or "").partition(" ")
                context.records.update("member", row["id"], {"first_name": first, "last_name": last})

        @hookimpl
        def data_migrations():
            return [DataMigration("split_full_names", split_full_names)]
    """


@hookspec
def inbound_email(message):
    """Take the received emails addressed to this plugin, and say what was done with each.

    Called for every message ``trellis mail serve`` (SMTP) or ``trellis mail ingest``
    (stdin) accepts, after it passed the size limits (``TRELLIS_MAIL_MAX_BYTES``,
    ``..._HEADER_BYTES``, ``..._ATTACHMENT_BYTES``) and was decoded. ``message`` is a
    ``trellis.InboundEmail``: ``sender``, ``recipients``, ``subject``, ``message_id``,
    ``references``, ``text``, ``html`` (unsanitised), ``attachments`` (a bounce's
    ``message/delivery-status`` report, RFC 3464, is one of that type: its field blocks
    as text), ``header(name)`` and ``is_automatic()`` (true for auto-replies, bulk and no-reply senders: never answer
    those automatically). Every plugin is called; return ``None`` for a message that is
    not yours (look at ``recipients``), else a short text saying what you did ("opened
    ticket #12"). Store what you take inside one ``records.transaction()``, so that an
    error leaves nothing half-saved: the message is then refused with a 451 and the
    sender's server tries again. A message no plugin takes is refused (550).

    Example::

        from trellis import hookimpl, system_records

        @hookimpl
        def inbound_email(message):
            if "bounces@example.com" not in message.recipients:
                return None
            records = system_records("newsletter")
            with records.transaction():
                records.create("bounce", {"address": message.header("x-failed-recipients"),
                                          "text": message.text[:2000]})
            return "bounce recorded"
    """


@hookspec
def demo_data(context):
    """Create records for ``trellis demo``.

    Called once, when ``trellis demo`` prepares an empty database, for each plugin
    in load order (so a plugin can link to what its dependencies made).
    ``context`` is a ``trellis.DemoContext``: ``context.records`` is the record
    service acting as the system user, ``context.random`` a seeded
    ``random.Random``, ``context.created`` what earlier plugins made (by entity) and
    ``context.remember(entity, record)`` adds to it. ``context.size`` is ``"full"``
    for ``trellis demo`` (thousands of records) or ``"small"`` (a few dozen, what tests
    load); ``context.sized(2000, 30)`` picks a count by it;
    ``context.create_all(entity, rows)`` writes many rows through the batch write path
    and raises the first refused one's error; ``with context.at(moment):`` stamps the
    writes made inside at a past moment (records with a history: ``created_at``, field
    history and the ``now`` hooks compute with); ``context.read_level(user_id, entity)``
    says which records a demo user's role reads (``all``, ``team``, ``own``, ``none``).
    Return nothing.

    Example::

        @hookimpl
        def demo_data(context):
            for contact in context.created.get("contact", [])[:5]:
                context.records.create("member", {"contact": contact.id, "points": context.random.randint(0, 500)})
    """
