"""The typed model that YAML becomes: small dataclasses built once at load, read everywhere.

Nothing here reads files or talks to a database. The loader (``trellis.metadata``)
builds these from the YAML layers; the data layer, the web layer, the API and the
automation engine read them. Every object keeps its ``source`` (file, line,
column) so that any later error can point back at the YAML.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trellis.expr import Expression
    from trellis.metadata.approvals import Approval

Label = dict[str, str]
"""Text per locale, e.g. ``{"en": "Deal", "ru": "Сделка"}``; a plain string becomes ``{"en": ...}``."""


@dataclass(frozen=True)
class Source:
    """Where something was defined: a YAML file, 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


UNKNOWN = Source("<unknown>")

# Storage kinds every field type maps to; the data layer maps each to a column type.
STORAGE = ("string", "text", "integer", "decimal", "boolean", "date", "datetime", "json",
           "link", "links", "children", "none")


@dataclass(frozen=True)
class FieldType:
    """A field type (``string``, ``money``, or one a plugin adds through ``field_types()``).

    ``storage`` is one of ``STORAGE``; ``coerce(value, field) -> value`` turns input
    (form strings, JSON) into the stored Python value or raises ``ValueError`` with a
    message for the user; ``options`` names the extra YAML keys the type accepts.

    What the web, import/export and API layers need is asked of the type, never of its
    name; each defaults from ``storage`` (``STORAGE_DEFAULTS``), so a plugin's ``iban``
    on ``string`` storage gets a text input, plain display, and a string in the API:

    - ``widget``: the form widget (a macro of the theme's ``widgets.html``: ``text``,
      ``email``, ``number``, ``select``, ``link``...);
    - ``display``: how lists and pages show a value (``text``, ``number``, ``money``,
      ``percent``, ``boolean``, ``choice``, ``choices``, ``list``, ``json``, ``date``,
      ``datetime``, ``link``);
    - ``filter``: what the list's filter panel offers (``choice``, ``boolean``,
      ``range``; ``none``: not offered);
    - ``format``: the JSON Schema ``format`` of the API's value (``email``, ``uri``), if any.
    """

    name: str
    storage: str
    coerce: Callable[[Any, Field], Any] | None = None
    options: tuple[str, ...] = ()
    label: Label = field(default_factory=dict)
    widget: str = ""
    display: str = ""
    filter: str = ""
    format: str | None = None

    def __post_init__(self):
        defaults = STORAGE_DEFAULTS.get(self.storage, STORAGE_DEFAULTS["string"])
        for name, default in zip(("widget", "display", "filter"), defaults, strict=True):
            if not getattr(self, name):
                object.__setattr__(self, name, default)


STORAGE_DEFAULTS: dict[str, tuple[str, str, str]] = {
    # storage: (widget, display, filter)
    "string": ("text", "text", "none"),
    "text": ("textarea", "text", "none"),
    "integer": ("integer", "number", "none"),
    "decimal": ("number", "number", "none"),
    "boolean": ("checkbox", "boolean", "boolean"),
    "date": ("date", "date", "range"),
    "datetime": ("datetime", "datetime", "range"),
    "json": ("textarea", "json", "none"),
    "link": ("link", "link", "none"),
    "links": ("links", "link", "none"),
    "children": ("none", "link", "none"),
    "none": ("none", "text", "none"),
}
"""What a field type of each storage gets unless it says otherwise: (widget, display, filter)."""


@dataclass(frozen=True)
class Rollup:
    """``rollup: {from: deal.contact, sum: amount, where: "stage == 'won'"}``.

    ``entity`` and ``link`` come from ``from`` (child entity, its link field pointing
    here); ``function`` is ``sum``, ``count``, ``min``, ``max`` or ``avg``.
    """

    entity: str
    link: str
    function: str
    field: str | None
    where: Expression | None = None


@dataclass
class Field:
    """One field of an entity. ``type`` names a FieldType; options as in docs/admin.md."""

    name: str
    type: str
    label: Label = field(default_factory=dict)
    help: Label = field(default_factory=dict)
    required: bool = False
    default: Any = None                       # a literal default value
    default_expr: Expression | None = None    # or an expression ("today()", "current_user")
    min: Any = None
    max: Any = None
    max_length: int | None = None
    options: list[str] = field(default_factory=list)   # selection / multiselect values
    option_labels: dict[str, Label] = field(default_factory=dict)
    to: str | None = None                     # link / links / children: the other entity
    via: str | None = None                    # children: the link field on ``to`` that points here
    on_delete: str = "restrict"               # link: restrict | cascade | set_null
    compute: Expression | None = None
    rollup: Rollup | None = None
    visible: Expression | None = None
    required_if: Expression | None = None
    readonly: bool = False
    unique: bool = False
    index: bool = False
    calendar: bool = False                    # date/datetime fields offered as a calendar view
    history: bool = True                      # False: changes of this field write no history rows
    extra: dict[str, Any] = field(default_factory=dict)  # options of plugin field types
    layer: str = ""                           # the layer that added it: its entity's, or an ``extends:``'s
    source: Source = UNKNOWN
    kind: FieldType | None = field(default=None, repr=False, compare=False)  # set by the loader

    @property
    def field_type(self) -> FieldType:
        """The ``FieldType`` named by ``type`` (ask it for widget, display, filter, storage)."""
        if self.kind is not None:
            return self.kind
        from trellis.metadata.field_types import builtin_type

        return builtin_type(self.type)

    @property
    def storage(self) -> str:
        """How the value is stored: the type's ``storage`` (``string``, ``link``, ``links``...)."""
        return self.field_type.storage

    @property
    def column(self) -> str | None:
        """The database column: ``<name>_id`` for link/user fields, None when not stored here."""
        storage = self.storage
        if storage in ("links", "children"):
            return None
        if storage == "link":
            return f"{self.name}_id"
        return self.name

    @property
    def computed(self) -> bool:
        """True when the value is derived (``compute`` or ``rollup``) and never set by users."""
        return self.compute is not None or self.rollup is not None


@dataclass(frozen=True)
class Rule:
    """A record-level check: ``check`` must be truthy, else ``message`` is shown."""

    check: Expression
    message: Label
    field: str | None = None                  # the field to attach the error to, if any
    source: Source = UNKNOWN


@dataclass
class FormBlock:
    """A ``section`` or a ``tab`` of a form; ``rows`` are lists of field names side by side."""

    kind: str                                  # "section" | "tab"
    title: Label
    rows: list[list[str]]
    source: Source = UNKNOWN
    lines: str | None = None                   # a child entity edited as a grid in this block
    lines_via: str | None = None               # its link field pointing here (from the children field)
    line_columns: list[str] = field(default_factory=list)   # the grid's columns (child fields)
    line_order: str | None = None              # an integer field of the child keeping the rows' order

    @property
    def fields(self) -> list[str]:
        """Every field name in the block, in order."""
        return [name for row in self.rows for name in row]


@dataclass
class ListView:
    """``list: {columns: [...], order: -close_date}``; ``order`` as (field, descending) pairs."""

    columns: list[str] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    page_size: int = 50


@dataclass
class KanbanView:
    """``kanban: {group_by: stage, card: [...], sum: amount}``; ``sum`` names the number field each
    column totals (``None``: the columns show their counts only)."""

    group_by: str
    card: list[str] = field(default_factory=list)
    sum: str | None = None


@dataclass
class HeaderView:
    """``header: {subtitle: [company, amount], facts: [close_date, owner]}``: what a record's read
    view shows under its title (``subtitle``) and as key facts beside it (``facts``)."""

    subtitle: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DedupeRule:
    """``dedupe: [{match: [email]}, {match: [first_name, last_name], fuzzy: true}]``."""

    match: tuple[str, ...]
    fuzzy: bool = False


@dataclass(frozen=True)
class AttachedTo:
    """``attached_to: {entity: ref_entity, record: ref_record}``: each record hangs on the record named by
    two of its fields (an entity name and an id), and is readable only by those who may read that one."""

    entity: str                                # the field holding the parent's entity name
    record: str                                # the field holding the parent's id


@dataclass(frozen=True)
class CalendarView:
    """``calendar: {color: kind, done: done}``: the calendar colours each record by the option of the
    selection ``color`` and shows it as done (struck through, pale) when the boolean ``done`` is true."""

    color: str | None = None
    done: str | None = None


@dataclass
class Entity:
    """An entity: a table, a set of pages and an API resource."""

    name: str
    label: Label = field(default_factory=dict)
    plural: Label = field(default_factory=dict)
    title: str | None = None                   # the field shown as the record's name
    fields: dict[str, Field] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    indexes: list[list[str]] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    list: ListView = field(default_factory=ListView)
    form: list[FormBlock] = field(default_factory=builtins.list)  # `list` is a field name here
    kanban: KanbanView | None = None
    calendar: CalendarView | None = None       # how the calendar colours and marks records done
    header: HeaderView | None = None           # None: the read view picks from the list's columns
    dedupe: list[DedupeRule] = field(default_factory=builtins.list)
    attached_to: AttachedTo | None = None      # readable only with the record it hangs on
    icon: str | None = None
    menu: bool = True                          # listed in the menu; technical entities say ``menu: false``
    history: bool = True                       # False: creating and changing records write no history rows
    owner_field: str | None = None             # the user field naming each record's owner (None: its creator)
    layer: str = ""                            # the layer that defined it ("core", a plugin, "metadata")
    source: Source = UNKNOWN
    extended_by: list[Source] = field(default_factory=builtins.list)

    def stored_fields(self) -> list[Field]:
        """Fields with a column in this entity's table."""
        return [f for f in self.fields.values() if f.column]


@dataclass(frozen=True)
class ActionSpec:
    """One action in a transition or automation: ``- create: {entity: activity, set: {...}}``."""

    kind: str
    options: Any
    source: Source = UNKNOWN
    # Expressions inside ``options``, compiled at load, by dotted path in ``options``: ``"amount"`` for
    # ``- set: {amount: ...}``, ``"set.amount"`` for ``- create: {set: {amount: ...}}``, ``"to"``.
    expressions: dict[str, Expression] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class State:
    """A workflow state. ``final`` ends the flow; ``won``/``lost`` are for reports.

    ``extra`` holds the keys the workflow declares under ``state_keys:`` (a plugin's own,
    e.g. a pipeline stage's ``probability``), by name; a key a state does not give is absent.
    """

    name: str
    label: Label = field(default_factory=dict)
    final: bool = False
    won: bool = False
    lost: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    source: Source = UNKNOWN


@dataclass(frozen=True)
class Transition:
    """A named move: from ``sources`` (``("*",)`` for any) to ``target``."""

    name: str
    sources: tuple[str, ...]
    target: str
    label: Label = field(default_factory=dict)
    when: Expression | None = None
    roles: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    source: Source = UNKNOWN
    approval: Approval | None = None           # levels of approvers it needs (trellis.metadata.approvals)

    def allowed_from(self, state: str | None) -> bool:
        """True when the transition may start in ``state``."""
        return "*" in self.sources or state in self.sources


@dataclass
class Workflow:
    """A state field with named transitions."""

    name: str
    entity: str
    field: str
    states: dict[str, State] = field(default_factory=dict)
    transitions: dict[str, Transition] = field(default_factory=dict)
    source: Source = UNKNOWN
    label: Label = field(default_factory=dict)
    extended_by: list[Source] = field(default_factory=list)   # the ``extends:`` documents applied to it


@dataclass(frozen=True)
class Trigger:
    """When an automation runs: on events, on a cron ``schedule``, or relative to a date field."""

    on: tuple[str, ...] = ()                   # create, update, delete, transition
    fields: tuple[str, ...] = ()               # limits "update" to changes of these
    transitions: tuple[str, ...] = ()          # limits "transition" to these names
    schedule: str | None = None                # cron expression
    date_field: str | None = None
    every: str | None = None                   # "year" for anniversaries
    offset: str | None = None                  # "-1d", "3d", "2h"
    at: str | None = None                      # "09:00"


@dataclass
class Automation:
    """Reaction to an event or a time: trigger, condition and actions."""

    name: str
    entity: str
    trigger: Trigger
    when: Expression | None = None
    actions: list[ActionSpec] = field(default_factory=list)
    blocking: bool = False
    enabled: bool = True
    label: Label = field(default_factory=dict)
    source: Source = UNKNOWN


LEVELS = ("all", "team", "own", "none")


@dataclass
class EntityPermission:
    """What a role may do with one entity. Levels are ``all | team | own | none``."""

    read: str = "none"
    create: bool = False
    write: str = "none"
    delete: str = "none"
    fields: dict[str, str] = field(default_factory=dict)   # field -> read | write | none
    rules: list = field(default_factory=list)  # record-level conditions (all must hold): Expression or a query rule
    source: Source = UNKNOWN


@dataclass
class Role:
    """A role: permissions per entity, merged across the layers that mention it."""

    name: str
    label: Label = field(default_factory=dict)
    entities: dict[str, EntityPermission] = field(default_factory=dict)
    source: Source = UNKNOWN


SIZES = ("small", "medium", "large")


@dataclass(frozen=True)
class DashboardWidget:
    """One widget placed on a dashboard: the plugin widget's ``name``, and the YAML's ``title`` and ``size``
    (empty / None: the widget's own)."""

    widget: str
    title: Label = field(default_factory=dict)
    size: str | None = None                    # one of SIZES
    source: Source = UNKNOWN
    report: str | None = None                  # set instead of ``widget``'s plugin widget: a ``report:`` by name


@dataclass
class Dashboard:
    """A page of plugin widgets (``/dashboards/<name>``), shown to ``roles`` (none listed: everyone)."""

    name: str
    label: Label = field(default_factory=dict)
    widgets: list[DashboardWidget] = field(default_factory=list)
    roles: tuple[str, ...] = ()
    source: Source = UNKNOWN

    def shown_to(self, user: Any) -> bool:
        """True when ``user`` (with ``is_admin`` and ``roles``) may see it: administrators always do."""
        if user is None:
            return False
        if getattr(user, "is_admin", False) or not self.roles:
            return True
        return bool(set(getattr(user, "roles", ()) or ()) & set(self.roles))


MEASURE_FUNCTIONS = ("count", "count_distinct", "sum", "avg", "min", "max")
BUCKETS = ("day", "week", "month", "quarter", "year")
CHARTS = ("bar", "stacked_bar", "horizontal_bar", "line", "area", "pie", "donut", "funnel", "kpi", "table")


@dataclass(frozen=True)
class ReportGroup:
    """One group-by of a report: a field, and for a date or date-time field its ``bucket`` (one of BUCKETS)."""

    field: str
    bucket: str | None = None
    source: Source = UNKNOWN


@dataclass(frozen=True)
class ReportMeasure:
    """One measure: ``function`` (one of MEASURE_FUNCTIONS) of ``field`` (None: count rows), counting only
    rows matching ``where`` (filters in the list/API language); or, with ``ratio``, one measure divided by
    another (names of this report's measures)."""

    name: str
    function: str | None = None
    where: dict[str, Any] = field(default_factory=dict)
    ratio: tuple[str, str] | None = None
    label: Label = field(default_factory=dict)
    source: Source = UNKNOWN
    field: str | None = None                   # last: the name shadows dataclasses.field in the class body


@dataclass
class Report:
    """A ``report:``: rows of ``entity`` matching ``filters``, grouped by up to two ``groups``, with ``measures``,
    sorted (``sort``: a measure or group field, ``descending``), at most ``limit`` groups (the rest as "Other"),
    drawn as ``chart``. ``period_field`` is the date the dashboard's period applies to."""

    name: str
    entity: str
    label: Label = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    groups: list[ReportGroup] = field(default_factory=list)
    measures: list[ReportMeasure] = field(default_factory=list)
    sort: tuple[str, bool] | None = None
    limit: int | None = None
    chart: str = "table"
    period_field: str | None = None
    roles: tuple[str, ...] = ()
    source: Source = UNKNOWN

    def measure(self, name: str) -> ReportMeasure:
        """The measure called ``name``; KeyError when there is none."""
        return next(m for m in self.measures if m.name == name)


@dataclass(frozen=True)
class Layer:
    """One folder of YAML: ``core``, a plugin (by name) or the organisation's ``metadata``."""

    name: str
    path: str
    kind: str                                  # "core" | "plugin" | "organisation"


@dataclass
class Metadata:
    """Everything the YAML layers define, checked and cross-linked."""

    entities: dict[str, Entity] = field(default_factory=dict)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    automations: dict[str, Automation] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    dashboards: dict[str, Dashboard] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    field_types: dict[str, FieldType] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list)
    configs: dict[str, list[Any]] = field(default_factory=dict)  # plugins' own kinds: name -> what build returned

    def entity(self, name: str) -> Entity:
        """The entity called ``name``; KeyError when there is none."""
        return self.entities[name]

    def workflow_for(self, entity: str, field_name: str | None = None) -> Workflow | None:
        """The workflow that owns a state field of ``entity`` (``field_name`` to pick one)."""
        for workflow in self.workflows.values():
            if workflow.entity == entity and field_name in (None, workflow.field):
                return workflow
        return None
