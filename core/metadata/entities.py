"""An entity's merged YAML -> :class:`~trellis.metadata.model.Entity`: fields, views, rules, checks."""

from __future__ import annotations

from typing import Any

from trellis.metadata.fields import EXPRESSION_NAMES, build_field, check_field_name
from trellis.metadata.merging import EntityDraft
from trellis.metadata.model import (
    AttachedTo,
    CalendarView,
    DedupeRule,
    Entity,
    Field,
    FieldType,
    FormBlock,
    HeaderView,
    KanbanView,
    ListView,
    Rollup,
    Rule,
    Source,
)
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YList, YMap

LISTED_SYSTEM_COLUMNS = ("id", "created_at", "updated_at")
"""System columns a ``list`` may show (``columns``) and sort by (``order``) besides the fields."""

ENTITY_KEYS = ("entity", "label", "plural", "title", "icon", "fields", "rules", "indexes", "search", "list",
               "form", "kanban", "calendar", "header", "dedupe", "attached_to", "menu",
               "history", "owner_field")
OWNER_FIELD = "owner"
"""The field that owns a record when the entity names none with ``owner_field``: a user field called ``owner``."""
ATTACHMENT_TYPES = {"entity": ("string", "selection"), "record": ("integer",)}
ROLLUP_FUNCTIONS = ("sum", "count", "min", "max", "avg")


class EntityBuilder:
    """Builds entities one by one, then checks what links them (``link``, ``children``, ``rollup``)."""

    def __init__(self, types: dict[str, FieldType], reader: Reader):
        self.types = types
        self.reader = reader
        self.rollups: list[tuple[Entity, Field, YMap]] = []
        self.grids: list[tuple[Entity, FormBlock, YMap]] = []

    def build(self, draft: EntityDraft) -> Entity | None:
        """The entity of ``draft``, or None when its name or fields cannot be read at all."""
        body, name, reader = draft.body, draft.name, self.reader
        what = f"entity '{name}'"
        if not NAME.match(name) or name.startswith("trellis_"):
            reader.error(body.value_at("entity"), f"entity name '{name}': use lower-case letters, digits and '_', "
                                                  "starting with a letter, at most 63, not starting with 'trellis_'")
            return None
        reader.keys(body, (*ENTITY_KEYS, "extends"), what)
        entity = Entity(name=name, layer=draft.layer.name, source=body.source, extended_by=list(draft.extended_by),
                        label=reader.label(body, "label", what) or {"en": name.replace("_", " ").capitalize()},
                        plural=reader.label(body, "plural", what), icon=reader.text(body, "icon", what))
        specs = reader.mapping(body, "fields", what, required=True)
        if specs is None:
            return entity
        usable = {key for key in specs if check_field_name(key, specs, reader, name)}
        names = frozenset(usable) | frozenset(EXPRESSION_NAMES)
        for key in specs:
            if key in usable:
                field = build_field(key, specs[key], specs.value_at(key), name, names, self.types, reader)
                if field is not None:
                    field.layer = draft.added.get(key, draft.layer.name)
                    entity.fields[key] = field
                    if isinstance(specs[key], YMap) and "rollup" in specs[key]:
                        self.rollups.append((entity, field, specs[key]))
        self._title(entity, body)
        entity.rules = self._rules(entity, body, names)
        entity.indexes = self._indexes(entity, body)
        entity.search = [n for n, at in reader.names(body, "search", what) if self.ref(entity, n, at, "'search'")]
        if "search" not in body and entity.title:
            entity.search = [entity.title]
        entity.list = self._list(entity, body)
        entity.form = self._form(entity, body)
        entity.kanban = self._kanban(entity, body)
        entity.calendar = self._calendar(entity, body)
        entity.header = self._header(entity, body)
        entity.dedupe = self._dedupe(entity, body)
        entity.attached_to = self._attached_to(entity, body)
        entity.owner_field = self._owner_field(entity, body)
        entity.menu = reader.boolean(body, "menu", what, default=True)
        entity.history = reader.boolean(body, "history", what, default=True)
        self._cycles(entity)
        return entity

    def ref(self, entity: Entity, name: Any, at: Source, what: str, stored: bool = False) -> bool:
        """True when ``name`` is a field of ``entity``; reports it (with a suggestion) otherwise."""
        if not isinstance(name, str):
            self.reader.error(at, f"{what} of entity '{entity.name}' must name a field, not {kind_of(name)}")
            return False
        field = entity.fields.get(name)
        if field is None:
            self.reader.error(at, f"{what} of entity '{entity.name}' names unknown field '{name}'"
                                  f"{did_you_mean(name, entity.fields)}")
            return False
        if stored and not field.column:
            self.reader.error(at, f"{what} of entity '{entity.name}': field '{name}' (type {field.type}) "
                                  "is not stored in the entity's table")
            return False
        return True

    def _title(self, entity: Entity, body: YMap) -> None:
        title = self.reader.text(body, "title", f"entity '{entity.name}'")
        if title is not None:
            if self.ref(entity, title, body.value_at("title"), "'title'"):
                entity.title = title
            return
        if "name" in entity.fields:
            entity.title = "name"
        else:
            entity.title = next((f.name for f in entity.fields.values() if f.type == "string"), None)

    def _rules(self, entity: Entity, body: YMap, names: frozenset[str]) -> list[Rule]:
        items = body.get("rules")
        if items is None:
            return []
        what = f"a rule of entity '{entity.name}'"
        if not isinstance(items, YList):
            self.reader.error(body.value_at("rules"), f"'rules' of entity '{entity.name}' must be a list of "
                                                      "{check: ..., message: ...}")
            return []
        rules = []
        for index, item in enumerate(items):
            if not isinstance(item, YMap):
                self.reader.error(items.item_at(index), f"{what} must be a mapping, not {kind_of(item)}")
                continue
            self.reader.keys(item, ("check", "message", "field"), what)
            if not self.reader.require(item, "check", what):
                continue
            check = self.reader.expression(item, "check", what, names)
            message = self.reader.label(item, "message", what) or {"en": f"Check failed: {item['check']}"}
            field = self.reader.text(item, "field", what)
            if field is not None and not self.ref(entity, field, item.value_at("field"), "'field' of a rule"):
                field = None
            if check is not None:
                rules.append(Rule(check, message, field, item.source))
        return rules

    def _indexes(self, entity: Entity, body: YMap) -> list[list[str]]:
        items = body.get("indexes")
        if items is None:
            return []
        if not isinstance(items, YList):
            self.reader.error(body.value_at("indexes"), f"'indexes' of entity '{entity.name}' must be a list "
                                                        "like [[stage, close_date], [owner]]")
            return []
        indexes = []
        for index, item in enumerate(items):
            at = items.item_at(index)
            columns = [(item, at)] if isinstance(item, str) else \
                [(n, item.item_at(i)) for i, n in enumerate(item)] if isinstance(item, YList) else None
            if not columns:
                self.reader.error(at, f"an index of entity '{entity.name}' must be a field or a list of fields")
                continue
            if all([self.ref(entity, n, where, "'indexes'", stored=True) for n, where in columns]):
                indexes.append([n for n, _ in columns])
        return indexes

    def _list(self, entity: Entity, body: YMap) -> ListView:
        what = f"'list' of entity '{entity.name}'"
        spec = self.reader.mapping(body, "list", f"entity '{entity.name}'")
        view = ListView()
        if spec is not None:
            self.reader.keys(spec, ("columns", "order", "page_size"), what)
            view.columns = [n for n, at in self.reader.names(spec, "columns", what)
                            if n in LISTED_SYSTEM_COLUMNS or self.ref(entity, n, at, "'list.columns'")]
            for text, at in self.reader.names(spec, "order", what):
                name = text[1:] if text.startswith("-") else text
                if name in LISTED_SYSTEM_COLUMNS or self.ref(entity, name, at, "'list.order'", stored=True):
                    view.order.append((name, text.startswith("-")))
            view.page_size = self.reader.integer(spec, "page_size", what, minimum=1) or view.page_size
        if not view.columns:
            stored = [f.name for f in entity.stored_fields() if f.name != entity.title]
            view.columns = ([entity.title] if entity.title else []) + stored[:5]
        return view

    def _form(self, entity: Entity, body: YMap) -> list[FormBlock]:
        items = body.get("form")
        if items is None:
            return [FormBlock("section", dict(entity.label), [[name] for name in entity.fields], body.source)]
        what = f"a form block of entity '{entity.name}'"
        if not isinstance(items, YList):
            self.reader.error(body.value_at("form"), f"'form' of entity '{entity.name}' must be a list of "
                                                     "{section: Title, fields: [...]} or {tab: ...}")
            return []
        blocks = []
        for index, item in enumerate(items):
            if not isinstance(item, YMap):
                self.reader.error(items.item_at(index), f"{what} must be a mapping, not {kind_of(item)}")
                continue
            self.reader.keys(item, ("section", "tab", "fields", "lines", "columns", "order"), what)
            kinds = [k for k in ("section", "tab") if k in item]
            if len(kinds) != 1:
                self.reader.error(item.source, f"{what} needs exactly one of 'section: Title' or 'tab: Title'")
                continue
            lines = self.reader.text(item, "lines", what)
            rows = self._rows(entity, item) if "fields" in item or lines is None else []
            block = FormBlock(kinds[0], self.reader.label(item, kinds[0], what), rows, item.source, lines=lines)
            if lines is not None:
                self.grids.append((entity, block, item))
            elif "columns" in item or "order" in item:
                self.reader.error(item.source, f"{what}: 'columns' and 'order' belong with 'lines: <child entity>'")
            blocks.append(block)
        return blocks

    def _grid(self, entity: Entity, block: FormBlock, item: YMap, entities: dict[str, Entity]) -> None:
        """Resolve ``lines: <child entity>`` (with ``columns``, ``order``) against the entities."""
        what = f"'lines' of a form block of entity '{entity.name}'"
        child = entities.get(block.lines or "")
        if child is None:
            self.reader.error(item.value_at("lines"), f"{what}: unknown entity '{block.lines}'"
                                                      f"{did_you_mean(block.lines or '', entities)}")
            return
        holders = [f for f in entity.fields.values() if f.type == "children" and f.to == child.name and f.via]
        if not holders:
            self.reader.error(item.value_at("lines"), f"{what}: entity '{entity.name}' needs a children field of "
                                                      f"'{child.name}' (e.g. lines: {{type: children, to: "
                                                      f"{child.name}, via: {entity.name}}})")
            return
        block.lines_via = holders[0].via
        columns = []
        for name, at in self.reader.names(item, "columns", what):
            if name == block.lines_via:
                self.reader.error(at, f"{what}: '{name}' links the lines to the {entity.name}; it is not a column")
            elif self.ref(child, name, at, f"'columns' of the lines grid of '{entity.name}': the child"):
                columns.append(name)
        if "columns" not in item:
            shown = [n for b in child.form for n in b.fields] or list(child.fields)
            columns = [n for n in shown if n != block.lines_via and child.fields[n].type != "children"]
        block.line_columns = columns
        order = self.reader.text(item, "order", what)
        if order is not None and self.ref(child, order, item.value_at("order"),
                                          f"'order' of the lines grid of '{entity.name}': the child"):
            if child.fields[order].type != "integer" or child.fields[order].computed:
                self.reader.error(item.value_at("order"), f"{what}: 'order: {order}' needs an integer field "
                                                          f"of '{child.name}' that is not computed")
            else:
                block.line_order = order
                block.line_columns = [n for n in block.line_columns if n != order]

    def _rows(self, entity: Entity, block: YMap) -> list[list[str]]:
        items = block.get("fields")
        if not isinstance(items, YList):
            self.reader.error(block.value_at("fields") if "fields" in block else block.source,
                              f"a form block of entity '{entity.name}' needs 'fields: [name, [a, b], ...]'")
            return []
        rows = []
        for index, item in enumerate(items):
            cells = [(item, items.item_at(index))] if not isinstance(item, YList) else \
                [(n, item.item_at(i)) for i, n in enumerate(item)]
            row = [n for n, at in cells if self.ref(entity, n, at, "'form'")]
            if row:
                rows.append(row)
        return rows

    def _kanban(self, entity: Entity, body: YMap) -> KanbanView | None:
        what = f"'kanban' of entity '{entity.name}'"
        spec = self.reader.mapping(body, "kanban", f"entity '{entity.name}'")
        if spec is None:
            return None
        self.reader.keys(spec, ("group_by", "card", "sum"), what)
        group_by = self.reader.text(spec, "group_by", what, required=True)
        if group_by is None or not self.ref(entity, group_by, spec.value_at("group_by"), "'kanban.group_by'"):
            return None
        if entity.fields[group_by].type not in ("selection", "link", "user"):
            self.reader.error(spec.value_at("group_by"), f"{what}: group_by needs a selection, link or user field, "
                                                         f"not '{group_by}' (type {entity.fields[group_by].type})")
        card = [n for n, at in self.reader.names(spec, "card", what) if self.ref(entity, n, at, "'kanban.card'")]
        return KanbanView(group_by, card, self._kanban_sum(entity, spec, what))

    def _kanban_sum(self, entity: Entity, spec: YMap, what: str) -> str | None:
        """``kanban.sum``: a stored number field (money, decimal, integer...) each column totals."""
        name = self.reader.text(spec, "sum", what)
        if name is None or not self.ref(entity, name, spec.value_at("sum"), "'kanban.sum'"):
            return None
        fld = entity.fields[name]
        if fld.storage not in ("integer", "decimal"):
            self.reader.error(spec.value_at("sum"), f"{what}: sum needs a stored number field, "
                                                    f"not '{name}' (type {fld.type})")
            return None
        return name

    def _calendar(self, entity: Entity, body: YMap) -> CalendarView | None:
        """``calendar: {color: <selection field>, done: <boolean field>}``."""
        what = f"'calendar' of entity '{entity.name}'"
        spec = self.reader.mapping(body, "calendar", f"entity '{entity.name}'")
        if spec is None:
            return None
        self.reader.keys(spec, ("color", "done"), what)
        chosen = {}
        for key, storage in (("color", "string"), ("done", "boolean")):
            name = self.reader.text(spec, key, what)
            if name is None or not self.ref(entity, name, spec.value_at(key), f"'calendar.{key}'", stored=True):
                continue
            fld = entity.fields[name]
            if (key == "color" and not fld.options) or fld.storage != storage:
                needed = "a selection" if key == "color" else "a yes/no (boolean)"
                self.reader.error(spec.value_at(key), f"{what}: {key} needs {needed} field, not '{name}' "
                                                      f"(type {fld.type})")
                continue
            chosen[key] = name
        return CalendarView(**chosen)

    def _attached_to(self, entity: Entity, body: YMap) -> AttachedTo | None:
        """``attached_to: {entity: <text field>, record: <integer field>}``, both stored."""
        what = f"'attached_to' of entity '{entity.name}'"
        spec = self.reader.mapping(body, "attached_to", f"entity '{entity.name}'")
        if spec is None:
            return None
        self.reader.keys(spec, tuple(ATTACHMENT_TYPES), what)
        names = {}
        for key, types in ATTACHMENT_TYPES.items():
            name = self.reader.text(spec, key, what, required=True)
            if name is None or not self.ref(entity, name, spec.value_at(key), "'attached_to'", stored=True):
                return None
            if entity.fields[name].type not in types:
                self.reader.error(spec.value_at(key), f"{what}: '{key}' needs a field of type "
                                                      f"{' or '.join(types)}, not '{name}' "
                                                      f"(type {entity.fields[name].type})")
                return None
            names[key] = name
        return AttachedTo(names["entity"], names["record"])

    def _owner_field(self, entity: Entity, body: YMap) -> str | None:
        """``owner_field: assigned``: the stored user field whose user owns each record (levels ``own`` and
        ``team`` of the roles); without it, a user field called ``owner``, else nobody (the creator counts)."""
        what = f"'owner_field' of entity '{entity.name}'"
        name = self.reader.text(body, "owner_field", f"entity '{entity.name}'")
        if name is None:
            owner = entity.fields.get(OWNER_FIELD)
            return OWNER_FIELD if owner is not None and _is_user_link(owner) else None
        if not self.ref(entity, name, body.value_at("owner_field"), "'owner_field'", stored=True):
            return None
        field = entity.fields[name]
        if not _is_user_link(field):
            self.reader.error(body.value_at("owner_field"), f"{what}: '{name}' must be a user field (type user, or a "
                                                            f"link to user), not type {field.type}")
            return None
        return name

    def _header(self, entity: Entity, body: YMap) -> HeaderView | None:
        what = f"'header' of entity '{entity.name}'"
        spec = self.reader.mapping(body, "header", f"entity '{entity.name}'")
        if spec is None:
            return None
        self.reader.keys(spec, ("subtitle", "facts"), what)
        parts = {key: [n for n, at in self.reader.names(spec, key, what) if self.ref(entity, n, at, f"'header.{key}'")]
                 for key in ("subtitle", "facts")}
        return HeaderView(parts["subtitle"], parts["facts"])

    def _dedupe(self, entity: Entity, body: YMap) -> list[DedupeRule]:
        items = body.get("dedupe")
        if items is None:
            return []
        what = f"a dedupe rule of entity '{entity.name}'"
        if not isinstance(items, YList):
            self.reader.error(body.value_at("dedupe"), f"'dedupe' of entity '{entity.name}' must be a list "
                                                       "like [{match: [email]}]")
            return []
        rules = []
        for index, item in enumerate(items):
            if not isinstance(item, YMap):
                self.reader.error(items.item_at(index), f"{what} must be a mapping, not {kind_of(item)}")
                continue
            self.reader.keys(item, ("match", "fuzzy"), what)
            match = [n for n, at in self.reader.names(item, "match", what) if self.ref(entity, n, at, "'dedupe'")]
            if match:
                rules.append(DedupeRule(tuple(match), self.reader.boolean(item, "fuzzy", what)))
            elif "match" not in item:
                self.reader.error(item.source, f"{what} needs 'match: [field, ...]'")
        return rules

    def _cycles(self, entity: Entity) -> None:
        """Report each cycle among computed fields once, as ``a -> b -> a``."""
        graph = {name: sorted(n for n in f.compute.names if n in entity.fields and entity.fields[n].compute)
                 for name, f in entity.fields.items() if f.compute is not None}
        done: set[str] = set()
        for start in graph:
            path: list[str] = []
            on_path: set[str] = set()
            self._visit(entity, graph, start, path, on_path, done)

    def _visit(self, entity, graph, name, path, on_path, done) -> None:
        if name in done:
            return
        if name in on_path:
            cycle = path[path.index(name):] + [name]
            self.reader.error(entity.fields[cycle[0]].source,
                              f"computed fields of entity '{entity.name}' form a cycle: {' -> '.join(cycle)}")
            return
        path.append(name)
        on_path.add(name)
        for neighbour in graph[name]:
            self._visit(entity, graph, neighbour, path, on_path, done)
        path.pop()
        on_path.discard(name)
        done.add(name)

    def link(self, entities: dict[str, Entity]) -> None:
        """Check what points across entities: ``to``, ``via`` and ``rollup``."""
        for entity in entities.values():
            for field in entity.fields.values():
                if field.to is not None and field.to not in entities:
                    self.reader.error(field.source, f"field '{entity.name}.{field.name}' links to unknown entity "
                                                    f"'{field.to}'{did_you_mean(field.to, entities)}")
                elif field.type == "children" and field.via is not None and field.to is not None:
                    child = entities[field.to]
                    via = child.fields.get(field.via)
                    if via is None or via.type not in ("link", "user") or via.to != entity.name:
                        self.reader.error(field.source, f"field '{entity.name}.{field.name}': 'via: {field.via}' "
                                                        f"must be a link field of '{field.to}' pointing to "
                                                        f"'{entity.name}'")
        for entity, field, spec in self.rollups:
            field.rollup = self._rollup(entity, field, spec, entities)
        for entity, block, item in self.grids:
            self._grid(entity, block, item, entities)

    def _rollup(self, entity: Entity, field: Field, spec: YMap, entities: dict[str, Entity]) -> Rollup | None:
        what = f"'rollup' of field '{entity.name}.{field.name}'"
        rollup = self.reader.mapping(spec, "rollup", what)
        if rollup is None:
            return None
        self.reader.keys(rollup, ("from", "where", *ROLLUP_FUNCTIONS), what)
        source = self.reader.text(rollup, "from", what, required=True)
        functions = [f for f in ROLLUP_FUNCTIONS if f in rollup]
        if len(functions) != 1:
            self.reader.error(rollup.source, f"{what} needs exactly one of {', '.join(ROLLUP_FUNCTIONS)}")
            return None
        if source is None:
            return None
        child_name, _, link = source.partition(".")
        child = entities.get(child_name)
        at = rollup.value_at("from")
        if child is None or not link:
            self.reader.error(at, f"{what}: 'from' must be '<entity>.<link field>' (a child entity, its link here)")
            return None
        via = child.fields.get(link)
        if via is None or via.type not in ("link", "user") or via.to != entity.name:
            self.reader.error(at, f"{what}: '{link}' must be a link field of '{child_name}' "
                                  f"pointing to '{entity.name}'")
            return None
        function = functions[0]
        target = rollup[function]
        if function == "count" and (target is True or target is None):
            target = None
        elif not isinstance(target, str) or target not in child.fields:
            self.reader.error(rollup.value_at(function), f"{what}: '{function}' needs a field of '{child_name}'"
                                                         f"{did_you_mean(str(target), child.fields)}")
            return None
        names = frozenset(child.fields) | frozenset(EXPRESSION_NAMES)
        where = self.reader.expression(rollup, "where", what, names)
        return Rollup(child_name, link, function, target, where)


def _is_user_link(field: Field) -> bool:
    """Whether ``field`` holds one user (type ``user``, or a ``link`` to ``user``) in a column of its entity."""
    return field.storage == "link" and (field.to == "user" or field.type == "user")
