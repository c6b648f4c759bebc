"""``extends:``: how a later layer changes an entity defined by an earlier one.

Merging happens on the YAML tree (before the typed model is built) so that every
merged key keeps the place it was written, and a mistake in an ``extends:`` file
is reported in that file.

Rules (also in docs/admin.md):

- ``fields``: a new field is added; an existing field's keys are merged, the later
  layer winning per key. ``options: [+x, +y]`` (every item starting with ``+``)
  appends to the existing options; any other list replaces them.
- ``form``: a block with the same kind and title as an existing one adds its rows
  to it; other blocks are appended.
- ``list``: ``columns`` are appended (names already there are skipped); other keys replace.
- ``rules``, ``indexes`` and ``dedupe`` are appended.
- every other key (``label``, ``title``, ``search``, ``kanban``...) replaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trellis.metadata.layers import Document
from trellis.metadata.model import Layer, Source
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import Reader, kind_of
from trellis.metadata.yaml_loader import YList, YMap

APPENDED = ("rules", "indexes", "dedupe")


@dataclass
class EntityDraft:
    """An entity's merged YAML, the layer that defined it and the ``extends:`` applied to it (``added``: the layer
    that added each field an ``extends:`` brought)."""

    name: str
    body: YMap
    layer: Layer
    extended_by: list[Source] = field(default_factory=list)
    added: dict[str, str] = field(default_factory=dict)


def assemble(entity_docs: list[Document], extends_docs: list[Document], reader: Reader) -> dict[str, EntityDraft]:
    """Merge each entity with the ``extends:`` documents that target it, in layer order."""
    drafts: dict[str, EntityDraft] = {}
    for doc in entity_docs:
        name = doc.body.get("entity")
        if not isinstance(name, str):
            reader.error(doc.body.value_at("entity"), f"'entity' must be a name, not {kind_of(name)}")
            continue
        if "extends" in doc.body:
            continue  # reported by the document classifier
        if name in drafts:
            first = drafts[name].body.source
            reader.error(doc.body.value_at("entity"),
                         f"entity '{name}' is already defined in {first.path}:{first.line}; "
                         f"use 'extends: {name}' to add to it")
            continue
        drafts[name] = EntityDraft(name, doc.body, doc.layer)
    for doc in extends_docs:
        name = doc.body.get("extends")
        if not isinstance(name, str):
            reader.error(doc.body.value_at("extends"), f"'extends' must name an entity, not {kind_of(name)}")
            continue
        draft = drafts.get(name)
        if draft is None:
            reader.error(doc.body.value_at("extends"),
                         f"'extends: {name}' names an unknown entity or workflow{did_you_mean(name, drafts)}")
            continue
        fields, known = doc.body.get("fields"), draft.body.get("fields")
        if isinstance(fields, YMap):
            draft.added.update({key: doc.layer.name for key in fields
                                if not isinstance(known, YMap) or key not in known})
        draft.body = merge_entity(draft.body, doc.body, reader)
        draft.extended_by.append(doc.body.source)
    return drafts


def merge_entity(base: YMap, extension: YMap, reader: Reader) -> YMap:
    """``base`` with ``extension`` applied (neither is changed)."""
    result = copy_map(base)
    for key, value in extension.items():
        if key == "extends":
            continue
        old = result.get(key)
        if key == "fields" and isinstance(old, YMap) and isinstance(value, YMap):
            value = _merge_fields(old, value, reader)
        elif key == "form" and isinstance(old, YList) and isinstance(value, YList):
            value = _merge_form(old, value)
        elif key == "list" and isinstance(old, YMap) and isinstance(value, YMap):
            value = _merge_list(old, value)
        elif key in APPENDED and isinstance(old, YList) and isinstance(value, YList):
            value = _concat(old, value)
        result.put(key, value, extension.key_at(key), extension.value_at(key))
    return result


def _merge_fields(base: YMap, extension: YMap, reader: Reader) -> YMap:
    result = copy_map(base)
    for name, spec in extension.items():
        old = result.get(name)
        if isinstance(old, str) and isinstance(spec, YMap):  # the shorthand ``name: string``
            at = result.value_at(name)
            old = YMap(at)
            old.put("type", result[name], at, at)
        if isinstance(old, YMap) and isinstance(spec, YMap):
            merged = copy_map(old)
            for key, value in spec.items():
                if key == "options":
                    value = _merge_options(old.get("options"), value, spec, reader)
                merged.put(key, value, spec.key_at(key), spec.value_at(key))
            spec = merged
        result.put(name, spec, extension.key_at(name), extension.value_at(name))
    return result


def _merge_options(old: Any, new: Any, spec: YMap, reader: Reader) -> Any:
    return merge_plus(old, new, spec.value_at("options"), "options", reader)


def merge_plus(old: Any, new: Any, at: Source, key: str, reader: Reader) -> Any:
    """``new`` when it replaces ``old``; ``old`` plus the items when every item of ``new`` starts with ``+``.

    A single ``+name`` (not in a list) adds one item; a text ``old`` counts as a list of one.
    """
    if isinstance(new, str) and new.startswith("+"):
        one = YList(at)
        one.add(new, at)
        new = one
    if not isinstance(new, YList):
        return new
    plus = [isinstance(item, str) and item.startswith("+") for item in new]
    if not any(plus):
        return new
    if not all(plus):
        reader.error(at, f"'{key}' either adds ('+x' for every item) or replaces (no '+'); do not mix the two")
    result = YList(new.source)
    if isinstance(old, str):
        result.add(old, new.source)
    elif isinstance(old, YList) and all(plus):
        for index, item in enumerate(old):
            result.add(item, old.item_at(index))
    for index, item in enumerate(new):
        result.add(item[1:] if plus[index] else item, new.item_at(index))
    return result


def _block_key(block: Any) -> tuple[str, str] | None:
    if not isinstance(block, YMap):
        return None
    for kind in ("section", "tab"):
        title = block.get(kind)
        if isinstance(title, YMap):
            title = title.get("en")
        if kind in block:
            return kind, str(title)
    return None


def _merge_form(base: YList, extension: YList) -> YList:
    result = _concat(base, YList(base.source))
    for index, block in enumerate(extension):
        key = _block_key(block)
        for position, old in enumerate(result):
            if key is not None and _block_key(old) == key:
                rows_old, rows_new = old.get("fields"), block.get("fields")
                if isinstance(rows_old, YList) and isinstance(rows_new, YList):
                    merged = copy_map(old)
                    merged.put("fields", _concat(rows_old, rows_new), old.key_at("fields"), old.value_at("fields"))
                    result[position] = merged
                    break
        else:
            result.add(block, extension.item_at(index))
    return result


def _merge_list(base: YMap, extension: YMap) -> YMap:
    result = copy_map(base)
    for key, value in extension.items():
        old = result.get(key)
        if key == "columns" and isinstance(old, YList) and isinstance(value, YList):
            added = YList(value.source)
            for index, item in enumerate(value):
                if item not in old:
                    added.add(item, value.item_at(index))
            value = _concat(old, added)
        result.put(key, value, extension.key_at(key), extension.value_at(key))
    return result


def copy_map(mapping: YMap) -> YMap:
    """A shallow copy of ``mapping`` that keeps where each key and value was written."""
    result = YMap(mapping.source)
    for key, value in mapping.items():
        result.put(key, value, mapping.key_at(key), mapping.value_at(key))
    return result


def _concat(first: YList, second: YList) -> YList:
    result = YList(first.source)
    for items in (first, second):
        for index, item in enumerate(items):
            result.add(item, items.item_at(index))
    return result
