"""Safe YAML reading that remembers where every key and value came from.

A file is scanned as an event stream first, so that anchors and aliases (and with
them the "billion laughs" bomb) and excessive nesting are refused before anything
is built. Then the node tree is composed (with libyaml when it is installed) and
walked into :class:`YMap` / :class:`YList` containers, plain ``dict``/``list``
subclasses that also hold the :class:`~trellis.metadata.model.Source` of each
entry. Duplicate keys are errors, not silent overwrites.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from trellis.metadata.model import Source

MAX_FILE_SIZE = 1024 * 1024
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STRING = "tag:yaml.org,2002:str"


class YAMLProblem(Exception):
    """A file that cannot be read as metadata YAML; ``source`` says where."""

    def __init__(self, source: Source, message: str):
        super().__init__(message)
        self.source = source
        self.message = message


class YMap(dict):
    """A mapping read from YAML: ``source`` of the mapping, ``key_sources``/``value_sources`` per key."""

    def __init__(self, source: Source):
        super().__init__()
        self.source = source
        self.key_sources: dict[Any, Source] = {}
        self.value_sources: dict[Any, Source] = {}

    def key_at(self, key: Any) -> Source:
        """Where ``key`` is written (the mapping itself when the key came from elsewhere)."""
        return self.key_sources.get(key, self.source)

    def value_at(self, key: Any) -> Source:
        """Where the value of ``key`` is written (falls back to the key, then the mapping)."""
        return self.value_sources.get(key) or self.key_at(key)

    def put(self, key: Any, value: Any, key_source: Source, value_source: Source) -> None:
        """Set ``key`` with the places its key and value come from."""
        self[key] = value
        self.key_sources[key] = key_source
        self.value_sources[key] = value_source


class YList(list):
    """A sequence read from YAML: ``source`` of the list and ``item_sources`` per item."""

    def __init__(self, source: Source):
        super().__init__()
        self.source = source
        self.item_sources: list[Source] = []

    def item_at(self, index: int) -> Source:
        """Where item ``index`` is written."""
        return self.item_sources[index] if index < len(self.item_sources) else self.source

    def add(self, value: Any, source: Source) -> None:
        """Append ``value`` written at ``source``."""
        self.append(value)
        self.item_sources.append(source)


def where(container: Any, key: Any = None) -> Source | None:
    """The source of ``container[key]`` (or of the container when ``key`` is None), if known."""
    if key is None:
        return getattr(container, "source", None)
    if isinstance(container, YMap):
        return container.value_at(key)
    if isinstance(container, YList) and isinstance(key, int):
        return container.item_at(key)
    return getattr(container, "source", None)


def read_file(path: Path, shown_as: str | None = None) -> Any:
    """Read one YAML file into YMap/YList/scalars; raises YAMLProblem for anything refused.

    ``shown_as`` is the path recorded in every ``Source`` (default: ``str(path)``).
    An empty file (or one holding only comments) gives None.
    """
    name = shown_as or str(path)
    size = path.stat().st_size
    if size > MAX_FILE_SIZE:
        raise YAMLProblem(Source(name), f"file is too large ({size:,} bytes, at most {MAX_FILE_SIZE:,})")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YAMLProblem(Source(name), f"file is not UTF-8 text ({error.reason})") from None
    return read_text(text, name)


def read_text(text: str, name: str) -> Any:
    """Read YAML ``text`` (see :func:`read_file`); ``name`` is the path recorded in sources."""
    try:
        _scan(text, name)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        source = Source(name, mark.line + 1, mark.column + 1) if mark else Source(name)
        raise YAMLProblem(source, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YAMLProblem(Source(name), f"not valid YAML: {error}") from None
    if node is None:
        return None
    return _Walker(name, loader).value(node)


def _scan(text: str, name: str) -> None:
    """Refuse anchors, aliases and deep nesting while streaming events, before any expansion."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YAMLProblem(_mark(name, event), "anchors and aliases (&name, *name) are not allowed")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YAMLProblem(_mark(name, event), f"nesting is too deep (more than {MAX_DEPTH} levels)")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _mark(name: str, thing: Any) -> Source:
    mark = thing.start_mark
    return Source(name, mark.line + 1, mark.column + 1)


class _Walker:
    """Turns composed nodes into YMap/YList/scalars, recording sources; refuses duplicate keys."""

    def __init__(self, name: str, loader: Any):
        self.name = name
        self.loader = loader

    def source(self, node: yaml.Node) -> Source:
        mark = node.start_mark
        # Point inside quotes, so that an expression's column offset lands on the right character.
        quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
        return Source(self.name, mark.line + 1, mark.column + 1 + quoted)

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        if isinstance(node, yaml.SequenceNode):
            items = YList(self.source(node))
            for item in node.value:
                items.add(self.value(item), self.source(item))
            return items
        if node.tag == _STRING:
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            raise YAMLProblem(self.source(node), f"cannot read value: {getattr(error, 'problem', error)}") from None

    def mapping(self, node: yaml.MappingNode) -> YMap:
        result = YMap(self.source(node))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YAMLProblem(self.source(key_node), "merge keys (<<) are not allowed")
            if not isinstance(key_node, yaml.ScalarNode):
                raise YAMLProblem(self.source(key_node), "a key must be a plain value, not a list or mapping")
            key = self.value(key_node)
            if key in result:
                first = result.key_at(key)
                raise YAMLProblem(self.source(key_node),
                                  f"duplicate key '{key}' (first defined at line {first.line})")
            result.put(key, self.value(value_node), self.source(key_node), self.source(value_node))
        return result
