"""``report:`` documents -> :class:`~trellis.metadata.model.Report`: one entity grouped, measured and charted.

::

    report: pipeline_by_stage
    label: {en: Pipeline by stage}
    entity: deal
    filters: {amount__gte: 0}            # the list/API filter language
    group_by: [stage]                    # up to two; dates as {field: close_date, bucket: month}
    measures:
      deals: count
      amount: {sum: amount}
      won: {count: "*", where: {stage: won}}
      conversion: {ratio: [won, deals]}
    sort: -amount
    limit: 10                            # the rest becomes one "Other" group
    chart: funnel

A later layer changes a report with ``extends: <name>``: ``measures`` and ``filters`` are merged
by name (the later layer winning), ``roles`` are added, every other key replaces.
"""

from __future__ import annotations

from typing import Any

import yaml
from trellis.metadata.layers import Document
from trellis.metadata.merging import copy_map
from trellis.metadata.model import (
    BUCKETS,
    CHARTS,
    MEASURE_FUNCTIONS,
    Entity,
    Report,
    ReportGroup,
    ReportMeasure,
    Role,
    Source,
    Workflow,
)
from trellis.metadata.problems import Report as Problems
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YAMLProblem, YList, YMap, plain, read_text

REPORT_KEYS = ("report", "label", "entity", "filters", "group_by", "measures", "sort", "limit", "chart",
               "period", "roles")
EXTENSION_KEYS = ("extends", *REPORT_KEYS[1:])
MERGED = ("measures", "filters")
MEASURE_KEYS = (*MEASURE_FUNCTIONS, "ratio", "where", "label")
GROUP_KEYS = ("field", "bucket")
FILTER_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "startswith", "isnull")
MAX_GROUPS = 2
MAX_LIMIT = 100
NUMERIC = ("integer", "decimal")
GROUPABLE = ("string", "integer", "boolean", "date", "datetime", "link")
SYSTEM_FIELDS = {"id": "integer", "created_at": "datetime", "updated_at": "datetime"}


def build_reports(docs: list[Document], extensions: list[Document], entities: dict[str, Entity],
                  workflows: dict[str, Workflow], roles: dict[str, Role], reader: Reader) -> dict[str, Report]:
    """Every report, with the ``extends:`` of later layers applied; names unique across layers."""
    bodies: dict[str, YMap] = {}
    for doc in docs:
        name = doc.body.get("report")
        if isinstance(name, str) and name in bodies:
            first = bodies[name].source
            reader.error(doc.body.value_at("report"), f"report '{name}' is already defined in "
                                                      f"{first.path}:{first.line}; give this one another name")
            continue
        bodies[name if isinstance(name, str) else f"#{len(bodies)}"] = doc.body
    for doc in extensions:
        name = doc.body["extends"]
        bodies[name] = _extended(bodies[name], doc.body, reader)
    builder = _Builder(entities, roles, reader)
    reports = {}
    for body in bodies.values():
        report = builder.build(body)
        if report is not None:
            reports[report.name] = report
    return reports


def report_from_mapping(data: dict[str, Any], metadata) -> tuple[Report | None, list[str]]:
    """A report from a plain mapping shaped like the YAML (a pivot page's choices, a saved report), checked
    exactly as ``trellis check`` checks a file; ``(report, [])``, or ``(None, messages)``."""
    try:
        body = read_text(report_yaml(data), "<report>")
    except YAMLProblem as problem:
        return None, [problem.message]
    problems = Problems()
    built = _Builder(metadata.entities, metadata.roles, Reader(problems)).build(body) if isinstance(body, YMap) \
        else None
    messages = [p.message for p in problems.sorted()]
    return (built if built is not None and not messages else None), messages or ([] if built else ["not a report"])


def report_yaml(data: dict[str, Any]) -> str:
    """``data`` as a ``report:`` YAML document (keys in the order given), for ``metadata/``."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)


def _extended(base: YMap, extension: YMap, reader: Reader) -> YMap:
    reader.keys(extension, EXTENSION_KEYS, f"extension of report '{extension['extends']}'")
    result = copy_map(base)
    for key in extension:
        if key == "extends":
            continue
        value, old = extension[key], base.get(key)
        if key in MERGED and isinstance(value, YMap) and isinstance(old, YMap):
            value = _merged_map(old, value)
        elif key == "roles" and isinstance(value, YList) and isinstance(old, YList):
            merged = YList(old.source)
            for index, item in enumerate([*old, *value]):
                if item not in merged:
                    merged.add(item, old.item_at(index) if index < len(old) else value.item_at(index - len(old)))
            value = merged
        result.put(key, value, extension.key_at(key), extension.value_at(key))
    return result


def _merged_map(old: YMap, added: YMap) -> YMap:
    result = copy_map(old)
    for key, value in added.items():
        result.put(key, value, added.key_at(key), added.value_at(key))
    return result


class _Builder:
    def __init__(self, entities: dict[str, Entity], roles: dict[str, Role], reader: Reader):
        self.entities = entities
        self.roles = roles
        self.reader = reader

    def build(self, body: YMap) -> Report | None:
        reader = self.reader
        name = body.get("report")
        if not isinstance(name, str) or not NAME.match(name):
            reader.error(body.value_at("report"), "'report' must be a name (lower-case letters, digits, '_'), "
                                                  f"not {kind_of(name)}")
            return None
        what = f"report '{name}'"
        reader.keys(body, REPORT_KEYS, what)
        entity_name = reader.text(body, "entity", what, required=True)
        if entity_name is None:
            return None
        entity = self.entities.get(entity_name)
        if entity is None:
            reader.error(body.value_at("entity"), f"{what}: unknown entity '{entity_name}'"
                                                  f"{did_you_mean(entity_name, self.entities)}")
            return None
        role_names = self._roles(body, what)
        report = Report(name, entity.name, reader.label(body, "label", what), source=body.source, roles=role_names)
        report.filters = self._filters(body.get("filters"), body.value_at("filters"), entity, what)
        report.groups = self._groups(body, entity, role_names, what)
        report.measures = self._measures(body, entity, what)
        report.sort = self._sort(body, report, what)
        report.limit = reader.integer(body, "limit", what, minimum=1)
        if report.limit is not None and report.limit > MAX_LIMIT:
            reader.error(body.value_at("limit"), f"'limit' of {what} must be at most {MAX_LIMIT}")
            report.limit = MAX_LIMIT
        report.chart = reader.text(body, "chart", what, default="table", choices=CHARTS) or "table"
        if report.chart == "stacked_bar" and len(report.groups) != 2:
            reader.error(body.value_at("chart"), f"{what}: a stacked_bar needs two group_by fields")
        report.period_field = self._period(body, entity, report, what)
        return report

    def _roles(self, body: YMap, what: str) -> tuple[str, ...]:
        names = []
        for role, at in self.reader.names(body, "roles", what):
            if role not in self.roles and role != "admin":
                self.reader.error(at, f"{what}: unknown role '{role}'{did_you_mean(role, self.roles)}")
            else:
                names.append(role)
        return tuple(names)

    def _field(self, entity: Entity, name, at: Source, what: str, role_names: tuple[str, ...] | None = None):
        """The field's storage (system fields included), or None after reporting an unknown one, or (given
        ``role_names``, the report's viewers) one hidden from a viewer. A measure over a hidden field is
        refused when the report runs, for the viewer it is hidden from; a group-by is refused here."""
        if name in SYSTEM_FIELDS:
            return SYSTEM_FIELDS[name]
        fld = entity.fields.get(name) if isinstance(name, str) else None
        if fld is None:
            self.reader.error(at, f"{what}: unknown field '{name}' of {entity.name}"
                                  f"{did_you_mean(str(name), entity.fields)}")
            return None
        for role in self._viewers(entity, role_names) if role_names is not None else ():
            if self.roles[role].entities[entity.name].fields.get(name) == "none":
                self.reader.error(at, f"{what}: '{name}' is hidden from role '{role}' (fields: {{{name}: none}}), "
                                      "who sees this report; leave the field out or the role")
                return None
        return fld.storage

    def _viewers(self, entity: Entity, role_names: tuple[str, ...]) -> list[str]:
        """The roles that see the report and may read ``entity`` (no roles listed: every role that may)."""
        names = role_names or tuple(self.roles)
        return [r for r in names if r in self.roles and entity.name in self.roles[r].entities
                and self.roles[r].entities[entity.name].read != "none"]

    def _filters(self, value, at: Source, entity: Entity, what: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, YMap):
            self.reader.error(at, f"'filters' of {what} must be a mapping like {{stage: won, amount__gte: 100}}, "
                                  f"not {kind_of(value)}")
            return {}
        result = {}
        for key, item in value.items():
            name, _, op = str(key).partition("__")
            if op and op not in FILTER_OPERATORS:
                known = ", ".join(FILTER_OPERATORS)
                self.reader.error(value.key_at(key), f"{what}: unknown operator '{op}' in filter '{key}' "
                                                     f"(use one of: {known}){did_you_mean(op, FILTER_OPERATORS)}")
                continue
            if self._field(entity, name, value.key_at(key), f"a filter of {what}") is not None:
                result[str(key)] = plain(item)
        return result

    def _groups(self, body: YMap, entity: Entity, role_names: tuple[str, ...], what: str) -> list[ReportGroup]:
        items = body.get("group_by")
        if items is None:
            return []
        if isinstance(items, str | YMap):
            holder = YList(body.value_at("group_by"))
            holder.add(items, body.value_at("group_by"))
            items = holder
        if not isinstance(items, YList):
            self.reader.error(body.value_at("group_by"), f"'group_by' of {what} must be a field or a list of up "
                                                         f"to {MAX_GROUPS}, not {kind_of(items)}")
            return []
        if len(items) > MAX_GROUPS:
            self.reader.error(items.item_at(MAX_GROUPS), f"{what}: at most {MAX_GROUPS} group_by fields")
        groups = []
        for index, item in enumerate(items[:MAX_GROUPS]):
            at = items.item_at(index)
            bucket = None
            if isinstance(item, YMap):
                self.reader.keys(item, GROUP_KEYS, f"a group_by of {what}")
                bucket = self.reader.text(item, "bucket", f"a group_by of {what}", choices=BUCKETS)
                item, at = item.get("field"), item.value_at("field")
            storage = self._field(entity, item, at, f"group_by of {what}", role_names)
            if storage is None:
                continue
            kind = entity.fields[item].type if item in entity.fields else storage
            if storage not in GROUPABLE or kind in ("multiselect", "tags"):
                self.reader.error(at, f"{what}: cannot group by '{item}' ({kind}); group by a selection, link, "
                                      "date, number, yes/no or text field")
                continue
            if storage in ("date", "datetime"):
                bucket = bucket or "month"
            elif bucket is not None:
                self.reader.error(at, f"{what}: 'bucket' is for date fields, and '{item}' is {kind}")
                bucket = None
            groups.append(ReportGroup(item, bucket, at))
        return groups

    def _measures(self, body: YMap, entity: Entity, what: str) -> list[ReportMeasure]:
        spec = body.get("measures")
        if spec is None:
            return [ReportMeasure("count", "count", source=body.source)]
        if not isinstance(spec, YMap) or not spec:
            self.reader.error(body.value_at("measures"), f"'measures' of {what} must be a mapping of names to "
                                                         f"measures, like {{deals: count, amount: {{sum: amount}}}}")
            return []
        measures = []
        for name, item in spec.items():
            at = spec.value_at(name)
            where = f"measure '{name}' of {what}"
            if item == "count":
                measures.append(ReportMeasure(str(name), "count", source=at))
                continue
            if not isinstance(item, YMap):
                self.reader.error(at, f"{where} must be 'count' or a mapping like {{sum: amount}}, not {kind_of(item)}")
                continue
            self.reader.keys(item, MEASURE_KEYS, where)
            functions = [key for key in (*MEASURE_FUNCTIONS, "ratio") if key in item]
            if len(functions) != 1:
                self.reader.error(at, f"{where} needs exactly one of: {', '.join((*MEASURE_FUNCTIONS, 'ratio'))}")
                continue
            function = functions[0]
            label = self.reader.label(item, "label", where)
            if function == "ratio":
                pair = item["ratio"]
                if not (isinstance(pair, YList) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                    self.reader.error(item.value_at("ratio"), f"'ratio' of {where} must name two measures: [won, all]")
                    continue
                measures.append(ReportMeasure(str(name), ratio=(pair[0], pair[1]), label=label, source=at))
                continue
            measure = self._measure(str(name), function, item, entity, where, label)
            if measure is not None:
                measures.append(measure)
        names = [m.name for m in measures if m.ratio is None]
        for measure in measures:
            for part in measure.ratio or ():
                if part not in names:
                    self.reader.error(measure.source, f"measure '{measure.name}' of {what}: '{part}' is not a "
                                                      f"count, sum, avg, min or max measure of this report"
                                                      f"{did_you_mean(part, names)}")
        return measures

    def _measure(self, name: str, function: str, item: YMap, entity: Entity, where: str, label) -> ReportMeasure | None:
        target, at = item[function], item.value_at(function)
        field_name = None if function == "count" and target in ("*", None, True) else target
        if field_name is not None:
            storage = self._field(entity, field_name, at, where)
            if storage is None:
                return None
            kind = entity.fields[field_name].type if field_name in entity.fields else storage
            if function in ("sum", "avg") and storage not in NUMERIC:
                self.reader.error(at, f"{where}: cannot {function} '{field_name}', a {kind} field; "
                                      "sum and avg take integer, decimal, money or percent fields")
                return None
            if function in ("min", "max") and storage not in (*NUMERIC, "date", "datetime"):
                self.reader.error(at, f"{where}: cannot take the {function} of '{field_name}', a {kind} field")
                return None
        conditions = self._filters(item.get("where"), item.value_at("where"), entity, where)
        return ReportMeasure(name, function, conditions, label=label, source=at, field=field_name)

    def _sort(self, body: YMap, report: Report, what: str) -> tuple[str, bool] | None:
        sort = self.reader.text(body, "sort", what)
        if sort is None:
            return None
        name = sort.lstrip("-+")
        known = [m.name for m in report.measures] + [g.field for g in report.groups]
        if name not in known:
            self.reader.error(body.value_at("sort"), f"{what}: sort by '{name}', which is neither a measure nor a "
                                                     f"group_by field{did_you_mean(name, known)}")
            return None
        return name, sort.startswith("-")

    def _period(self, body: YMap, entity: Entity, report: Report, what: str) -> str | None:
        name = self.reader.text(body, "period", what)
        if name is None:
            return next((g.field for g in report.groups if g.bucket), None)
        storage = self._field(entity, name, body.value_at("period"), what)
        if storage is not None and storage not in ("date", "datetime"):
            self.reader.error(body.value_at("period"), f"{what}: 'period' must be a date or date-time field, "
                                                       f"not '{name}'")
            return None
        return name if storage else None
