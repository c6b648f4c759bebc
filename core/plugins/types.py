"""Small public types that plugins return from their hooks.

Each is a frozen dataclass, importable from ``trellis`` (``from trellis import Action``).
``FieldType`` lives with the rest of the metadata model in :mod:`trellis.metadata.model`
and is re-exported from ``trellis`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Action:
    """An automation action kind a plugin adds (``actions()`` hook).

    ``name`` is the key used in YAML (``- add_points: {points: 10}``);
    ``options_schema`` is a JSON Schema (a dict) for the options, used by ``trellis check``
    and ``trellis schema`` (``None``: any options); ``run(record, options, context)``
    does the work, inside the record's transaction, and returns nothing; ``options`` is
    a dict of the options as written. ``keys`` (optional) names the options the kind
    accepts and ``main`` the option a plain value stands for (``create: order`` means
    ``{entity: order}``).
    """

    name: str
    options_schema: dict[str, Any] | None
    run: Callable[..., Any]
    label: dict[str, str] = field(default_factory=dict)
    keys: tuple[str, ...] | None = None
    main: str | None = None


@dataclass(frozen=True)
class ScheduledJob:
    """Periodic work a plugin adds (``scheduled_jobs()`` hook).

    ``schedule`` is a cron expression (``"0 3 * * *"``: 03:00 every day, in the
    organisation's time zone); ``run(context)`` does the work; ``context`` has
    ``records`` (a system record service) and ``now``.
    """

    name: str
    schedule: str
    run: Callable[..., Any]


@dataclass(frozen=True)
class DataMigration:
    """A one-time change of a plugin's data (``data_migrations()`` hook), run by ``trellis migrate``.

    ``run(context)`` gets ``context.records`` (a system record service) and
    ``context.connection`` (the SQLAlchemy connection of the migration's transaction).
    ``name`` is recorded once it ran (as ``data_migration:<plugin>:<name>`` in
    ``trellis_schema``, in the same transaction), so it never runs twice; keep names unique
    and never rename one that shipped.
    """

    name: str
    run: Callable[..., Any]


@dataclass(frozen=True)
class MetadataKind:
    """A kind of YAML document a plugin declares for its own configuration (``metadata_kinds()`` hook).

    ``name`` is the document's top-level key (``loyalty:``). ``build(document, reader)``
    checks one document and returns what the plugin keeps of it (or None): ``document``
    is the YAML mapping (a dict whose ``value_at(key)`` and ``key_at(key)`` say where a
    value is written, and ``source`` where the mapping starts); ``reader.error(where,
    message)`` reports a problem as ``path:line:col: message``, and ``reader.keys``,
    ``reader.text``, ``reader.integer``, ``reader.boolean``, ``reader.label`` and
    ``reader.mapping`` read typed values, reporting wrong ones. The results are listed,
    in layer order, in ``trellis.metadata_model().configs[name]``. ``schema`` (optional) is
    the document's JSON Schema, which ``trellis schema`` gives editors (without it: any
    mapping holding the ``name`` key).
    """

    name: str
    build: Callable[..., Any]
    schema: dict[str, Any] | None = None


@dataclass(frozen=True)
class MenuItem:
    """One entry of the navigation menu (``menu_items(user)`` hook).

    ``url`` is a path (``/app/contact``); ``order`` sorts the menu (lower first);
    ``group`` puts the item under a heading (``"Sales"``); ``icon`` names an icon
    of the theme. ``label`` and ``group`` are text, or text per locale as in the
    YAML (``{"en": "Deals", "ru": "Сделки"}``): the menu shows the user's locale,
    else English, else any.
    """

    label: str | dict[str, str]
    url: str
    icon: str | None = None
    order: int = 100
    group: str | dict[str, str] | None = None


@dataclass(frozen=True)
class Widget:
    """A dashboard widget (``dashboard_widgets()`` hook).

    ``name`` is how a dashboard's YAML refers to it; ``render(context)`` returns HTML
    (escape what you did not write: use ``markupsafe.escape``); ``context`` has
    ``user``, ``records`` and ``now``. ``size`` is ``small``, ``medium`` or ``large``.
    """

    name: str
    title: str
    render: Callable[..., str]
    size: str = "medium"


def N_(text: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """``text`` as it is: marks a message for ``pybabel extract`` where it cannot be translated yet.

    A :class:`Widget`'s title is one: the dashboard page translates it in the viewer's
    language, so the plugin writes ``Widget("my_tickets", N_("My tickets"), render)``.
    """
    return text


@dataclass
class DemoContext:
    """What ``demo_data(context)`` receives.

    ``records`` is the record service acting as the system user (create records with
    ``context.records.create("contact", {...})``); ``random`` is a seeded
    ``random.Random`` so that every demo database looks the same; ``locale`` is the
    organisation's default locale; ``app`` is the Flask application; ``users`` maps
    each role to its demo user's id (``sales_manager`` -> the id of
    ``sales.manager@example.com``), so that demo records can be assigned to them.
    ``size`` is ``"full"`` for ``trellis demo`` (thousands of records) or ``"small"``
    (a few dozen, for tests that load the demo); :meth:`sized` picks a count by it.
    ``samples`` (set by ``trellis demo``) gives the fields the organisation's own layer
    adds to the plugins' entities seeded values (:class:`trellis.demo.OrganisationSamples`);
    :meth:`create_all` fills them in.
    """

    records: Any
    random: Any
    locale: str = "en"
    app: Any = None
    created: dict[str, list[Any]] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    size: str = "full"
    samples: Any = None

    def sized(self, full: int, small: int) -> int:
        """``full`` in the full-size demo, ``small`` in the small one (``context.sized(2000, 30)``)."""
        return full if self.size == "full" else small

    def users_with(self, *roles: str) -> list[int]:
        """The demo users' ids of ``roles`` that exist, in the order given (may be empty)."""
        return [self.users[role] for role in roles if role in self.users]

    def users_who_read(self, entity: str) -> list[int]:
        """The demo users' ids (administrator first, then by role name) whose role may read ``entity``."""
        return [user_id for role, user_id in sorted(self.users.items(), key=lambda item: item[0] != "admin")
                if self.read_level(user_id, entity) != "none"]

    def read_level(self, user_id: int, entity: str) -> str:
        """Which records of ``entity`` the demo user ``user_id`` reads by their role: ``all``, ``team``, ``own``
        (the records their entity's owner field gives them) or ``none``; the administrator reads all."""
        from trellis.runtime import runtime

        roles = runtime(self.app).metadata.roles
        for role, demo_user in self.users.items():
            if demo_user == user_id:
                if role == "admin":
                    return "all"
                permission = roles[role].entities.get(entity) if role in roles else None
                return permission.read if permission is not None else "none"
        return "none"

    def at(self, moment: Any) -> Any:
        """A context manager: the writes made inside are stamped at ``moment`` (an aware datetime in the past),
        so demo records get a history: their ``created_at``, field history and the ``now`` hooks see::

            with context.at(opened):
                ticket = context.records.create("ticket", {...})
        """
        from trellis.data.unit import writes_at

        return writes_at(moment)

    def remember(self, entity: str, record: Any) -> Any:
        """Keep ``record`` under ``entity`` so that later plugins can link to it; returns it."""
        self.created.setdefault(entity, []).append(record)
        return record

    def create_all(self, entity: str, rows: list[dict], records: Any = None) -> list[Any]:
        """``rows`` created through ``records.create_many`` (default ``self.records``) in batches of
        500, each row through the whole write path; raises the first refused row's error, since
        demo data must load whole. The organisation's fields a row does not give get sample values
        (``samples``). Returns the new records in the order of ``rows``."""
        records = self.records if records is None else records
        if self.samples is not None:
            rows = [self.samples.fill(entity, row) for row in rows]
        made = []
        for start in range(0, len(rows), 500):
            for result in records.create_many(entity, rows[start:start + 500]):
                if isinstance(result, Exception):
                    raise result
                made.append(result)
        return made


@dataclass(frozen=True)
class RecordPanel:
    """A panel on record pages, and what it adds to their timeline (``record_panels(entity)`` hook).

    ``template`` (optional) is rendered in the timeline card of the record's page, with
    the page's variables (``entity``, ``record``) and ``panel_values``: what
    ``values(entity, record)`` returns (a dict; optional). ``timeline(entity, record,
    records)`` (optional) returns :class:`TimelineEntry` items for the record's timeline;
    ``records`` is the record service acting as the viewer. Panels show in ``order``.
    A panel with a ``timeline`` is also a filter of the timeline (``?timeline=<name>``),
    called ``label`` (translated by the plugin; default: the name).
    """

    name: str
    template: str | None = None
    values: Callable[..., dict[str, Any]] | None = None
    timeline: Callable[..., list[Any]] | None = None
    order: int = 100
    label: Any = ""


@dataclass
class TimelineEntry:
    """One entry of a record's timeline (see :class:`RecordPanel`).

    ``kind`` is a CSS class (``note``); ``label`` the word shown before the text
    (translated by the plugin); ``at`` an aware datetime; ``who`` a user id (the page
    shows the user's name), a name, or None (``system``); ``url`` links the text.
    """

    kind: str
    at: Any
    who: Any
    text: str
    detail: str = ""
    url: str | None = None
    label: str = ""
