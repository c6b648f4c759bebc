"""``dashboard:`` documents -> :class:`~trellis.metadata.model.Dashboard`: plugin widgets on a page.

A dashboard lists widgets by the names plugins give them (``dashboard_widgets()``
hook), each optionally with its own title and size, and the roles that see it::

    dashboard: sales
    label: {en: Sales, ru: Продажи}
    widgets: [sales_forecast, {widget: sales_targets, title: {en: Targets}, size: large},
              {report: pipeline_by_stage, size: large}]
    roles: [sales_manager, salesperson]

A widget may be a ``report:`` by name (see ``reports.py``) instead of a plugin widget.

A later layer changes a dashboard with ``extends: <name>``: ``label`` replaces the
label, ``widgets`` are added after the dashboard's own (an entry naming a widget
already there changes its title and size in place), ``roles`` are added.
"""

from __future__ import annotations

from collections.abc import Collection

from trellis.metadata.layers import Document
from trellis.metadata.merging import copy_map
from trellis.metadata.model import SIZES, Dashboard, DashboardWidget, Role
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YList, YMap

DASHBOARD_KEYS = ("dashboard", "label", "widgets", "roles")
EXTENSION_KEYS = ("extends", "label", "widgets", "roles")
WIDGET_KEYS = ("widget", "title", "size")
# Administrators see every dashboard; naming their role is allowed but changes nothing.
ADMIN_ROLE = "admin"


def build_dashboards(docs: list[Document], extensions: list[Document], roles: dict[str, Role],
                     widgets: Collection[str], reader: Reader, reports: Collection[str] = ()) -> dict[str, Dashboard]:
    """Every dashboard, with the ``extends:`` of later layers applied; names unique across layers;
    widgets among ``widgets`` (or reports among ``reports``), roles among ``roles``."""
    bodies: dict[str, YMap] = {}
    for doc in docs:
        name = doc.body.get("dashboard")
        if isinstance(name, str) and name in bodies:
            first = bodies[name].source
            reader.error(doc.body.value_at("dashboard"), f"dashboard '{name}' is already defined in "
                                                         f"{first.path}:{first.line}; give this one another name")
            continue
        bodies[name if isinstance(name, str) else f"#{len(bodies)}"] = doc.body
    for doc in extensions:  # split_extends sent only those naming a dashboard here
        name = doc.body["extends"]
        bodies[name] = _extended(bodies[name], doc.body, reader)
    dashboards: dict[str, Dashboard] = {}
    for body in bodies.values():
        dashboard = _dashboard(body, roles, widgets, reader, reports)
        if dashboard is not None:
            dashboards[dashboard.name] = dashboard
    return dashboards


def _extended(base: YMap, extension: YMap, reader: Reader) -> YMap:
    what = f"extension of dashboard '{extension['extends']}'"
    reader.keys(extension, EXTENSION_KEYS, what)
    result = copy_map(base)
    if "label" in extension:
        result.put("label", extension["label"], extension.key_at("label"), extension.value_at("label"))
    for key in ("widgets", "roles"):
        added = extension.get(key)
        if added is None:
            continue
        if not isinstance(added, YList):
            reader.error(extension.value_at(key), f"'{key}' of {what} must be a list, not {kind_of(added)}")
            continue
        old = base.get(key) if isinstance(base.get(key), YList) else YList(extension.value_at(key))
        result.put(key, _merged(old, added, key == "widgets"), base.key_at(key) if key in base
                   else extension.key_at(key), old.source)
    return result


def _merged(old: YList, added: YList, by_widget: bool) -> YList:
    """``old`` then ``added``; an added widget already in ``old`` (or a role already there) replaces it in place."""
    def name(item):
        if by_widget and isinstance(item, YMap):
            return item.get("widget") or ("report", item.get("report"))
        return item

    items = [(item, old.item_at(i)) for i, item in enumerate(old)]
    for index, item in enumerate(added):
        at = next((i for i, (present, _) in enumerate(items) if name(present) == name(item)), None)
        if at is None:
            items.append((item, added.item_at(index)))
        else:
            items[at] = (item, added.item_at(index))
    result = YList(old.source)
    for item, source in items:
        result.add(item, source)
    return result


def _dashboard(body: YMap, roles: dict[str, Role], widgets: Collection[str], reader: Reader,
               reports: Collection[str]) -> Dashboard | None:
    name = body.get("dashboard")
    if not isinstance(name, str) or not NAME.match(name):
        reader.error(body.value_at("dashboard"), "'dashboard' must be a name (lower-case letters, digits, '_'), "
                                                 f"not {kind_of(name)}")
        return None
    what = f"dashboard '{name}'"
    reader.keys(body, DASHBOARD_KEYS, what)
    role_names = []
    known_roles = [*roles, ADMIN_ROLE]
    for role, at in reader.names(body, "roles", what):
        if role not in known_roles:
            reader.error(at, f"{what}: unknown role '{role}'{did_you_mean(role, known_roles)}")
        else:
            role_names.append(role)
    return Dashboard(name, reader.label(body, "label", what), _widgets(body, widgets, what, reader, reports),
                     tuple(role_names), body.source)


def _widgets(body: YMap, known: Collection[str], what: str, reader: Reader,
             reports: Collection[str]) -> list[DashboardWidget]:
    items = body.get("widgets")
    if items is None:
        reader.error(body.source, f"{what} needs 'widgets: [...]' (names from the plugins' dashboard_widgets())")
        return []
    if not isinstance(items, YList):
        reader.error(body.value_at("widgets"), f"'widgets' of {what} must be a list of widget names, "
                                               f"not {kind_of(items)}")
        return []
    widgets = []
    for index, item in enumerate(items):
        at = items.item_at(index)
        if isinstance(item, str):
            name, title, size = item, {}, None
        elif isinstance(item, YMap) and "report" in item:
            placed = _report(item, reports, what, reader)
            if placed is not None:
                widgets.append(placed)
            continue
        elif isinstance(item, YMap):
            where = f"a widget of {what}"
            reader.keys(item, WIDGET_KEYS, where)
            name = reader.text(item, "widget", where, required=True)
            if name is None:
                continue
            at = item.value_at("widget")
            title = reader.label(item, "title", f"widget '{name}' of {what}")
            size = reader.text(item, "size", f"widget '{name}' of {what}", choices=SIZES)
        else:
            reader.error(at, f"a widget of {what} must be a name or a mapping like {{widget: name, size: large}}, "
                             f"not {kind_of(item)}")
            continue
        if name not in known:
            shown = ", ".join(sorted(known)) or "none: no enabled plugin adds widgets"
            reader.error(at, f"{what}: unknown widget '{name}'{did_you_mean(name, known)} (known: {shown})")
            continue
        widgets.append(DashboardWidget(name, title, size, at))
    return widgets


def _report(item: YMap, reports: Collection[str], what: str, reader: Reader) -> DashboardWidget | None:
    """``{report: name, title: ..., size: ...}``: a ``report:`` placed on the dashboard."""
    reader.keys(item, ("report", "title", "size"), f"a report widget of {what}")
    name = reader.text(item, "report", f"a widget of {what}", required=True)
    if name is None:
        return None
    if name not in reports:
        reader.error(item.value_at("report"), f"{what}: unknown report '{name}'{did_you_mean(name, reports)}")
        return None
    where = f"report '{name}' of {what}"
    return DashboardWidget(f"report:{name}", reader.label(item, "title", where),
                           reader.text(item, "size", where, choices=SIZES), item.value_at("report"), report=name)
