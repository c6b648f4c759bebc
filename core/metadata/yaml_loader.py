"""Safe YAML reading that remembers where every key and value came from.

The event stream is read in one pass, so that anchors and aliases (and with
them the "billion laughs" bomb) and excessive nesting are refused before anything
is built; containers are built straight from the events (parsed by libyaml when it
is installed) as :class:`YMap` / :class:`YList`, plain ``dict``/``list``
subclasses that also hold the :class:`~trellis.metadata.model.Source` of each
entry. Duplicate keys are errors, not silent overwrites.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from trellis.metadata.model import Source

MAX_FILE_SIZE = 1024 * 1024
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLProblem(Exception):
    """A file that cannot be read as metadata YAML; ``source`` says where."""

    def __init__(self, source: Source, message: str):
        super().__init__(message)
        self.source = source
        self.message = message


# Where a node is written: a Source; or, until someone asks (most are never asked), the parser's own
# mark of where it starts (0-based, named after the file), or (path, line, column) for text in quotes.
# Asked once, the Source replaces the mark or tuple.
Where = Source | tuple[str, int, int] | yaml.Mark


def _source(where: Where) -> Source:
    if type(where) is tuple:
        return Source(*where)
    if isinstance(where, Source):
        return where
    return Source(where.name, where.line + 1, where.column + 1)


class YMap(dict):
    """A mapping read from YAML: ``source`` of the mapping, ``key_at``/``value_at`` per key."""

    # Slots, and no call to dict.__init__ (the dict is already empty): a load makes thousands of these.
    __slots__ = ("_where", "key_sources", "value_sources")

    def __init__(self, source: Where):
        self._where = source
        self.key_sources: dict[Any, Where] = {}
        # A list or mapping read as a value has no entry here: it knows where it starts.
        self.value_sources: dict[Any, Where] = {}

    @property
    def source(self) -> Source:
        """Where the mapping starts."""
        where = self._where
        if type(where) is not Source:
            where = self._where = _source(where)
        return where

    def key_at(self, key: Any) -> Source:
        """Where ``key`` is written (the mapping itself when the key came from elsewhere)."""
        where = self.key_sources.get(key)
        if where is None:
            return self.source
        if type(where) is not Source:
            where = self.key_sources[key] = _source(where)
        return where

    def value_at(self, key: Any) -> Source:
        """Where the value of ``key`` is written (falls back to the key, then the mapping)."""
        where = self.value_sources.get(key)
        if where is None:
            value = self.get(key)
            return value.source if isinstance(value, YMap | YList) else self.key_at(key)
        if type(where) is not Source:
            where = self.value_sources[key] = _source(where)
        return where

    def put(self, key: Any, value: Any, key_source: Where, value_source: Where) -> None:
        """Set ``key`` with the places its key and value come from."""
        self[key] = value
        self.key_sources[key] = key_source
        self.value_sources[key] = value_source


class YList(list):
    """A sequence read from YAML: ``source`` of the list and ``item_at`` per item."""

    __slots__ = ("_where", "item_sources")

    def __init__(self, source: Where):
        self._where = source
        self.item_sources: list[Where] = []

    @property
    def source(self) -> Source:
        """Where the list starts."""
        where = self._where
        if type(where) is not Source:
            where = self._where = _source(where)
        return where

    def item_at(self, index: int) -> Source:
        """Where item ``index`` is written."""
        if index >= len(self.item_sources):
            return self.source
        where = self.item_sources[index]
        if type(where) is not Source:
            where = self.item_sources[index] = _source(where)
        return where

    def add(self, value: Any, source: Where) -> None:
        """Append ``value`` written at ``source``."""
        self.append(value)
        self.item_sources.append(source)


def plain(value: Any) -> Any:
    """YAML containers as plain dicts and lists (the model does not keep YAML sources inside options)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


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
    stream = io.StringIO(text)
    stream.name = name  # the parser's marks carry it, so that a mark alone says where a value is
    try:
        loader = _Loader(stream)
        try:
            return _build(loader.get_event, name)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        source = Source(name, mark.line + 1, mark.column + 1) if mark else Source(name)
        raise YAMLProblem(source, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YAMLProblem(Source(name), f"not valid YAML: {error}") from None


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# Plain scalar text -> (value, the same as a key); the same words and numbers recur in every file.
# Only what the implicit tags give is kept, all immutable: str, bool, int, float, None and dates.
_PLAIN: dict[str, tuple[Any, Any]] = {}
_PLAIN_LIMIT = 100_000
_STRING = "tag:yaml.org,2002:str"
_BOOLEAN = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_NO_KEY = object()
_QUOTES = ("'", '"')
_COLLECTION_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_ALIASES = "anchors and aliases (&name, *name) are not allowed"
_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_MAPPING_START, _SEQUENCE_START = yaml.MappingStartEvent, yaml.SequenceStartEvent
_MAPPING_END, _SEQUENCE_END = yaml.MappingEndEvent, yaml.SequenceEndEvent
_DOCUMENT_START, _STREAM_END = yaml.DocumentStartEvent, yaml.StreamEndEvent


def _build(next_event: Callable[[], Any], name: str) -> Any:
    """Build YMap/YList/scalars straight from the event stream, in one pass and without recursion.

    Refuses anchors and aliases before anything is expanded (a "billion laughs"
    file fails at its first anchor), nesting deeper than ``MAX_DEPTH``, more than
    one document, and duplicate keys. This runs once per YAML event of every
    file, so the open container lives in local variables rather than in objects,
    and plain scalars seen before cost one dictionary lookup.
    """
    result = None
    documents = 0
    stack: list[tuple[Any, bool, Where | None]] = []  # the enclosing containers, innermost last
    parent: Any = None  # the open container (None at the top)
    in_map = False  # parent is a YMap
    key: Any = _NO_KEY  # in a YMap: the key waiting for its value
    key_at: Where | None = None
    known = _PLAIN.get
    while True:
        event = next_event()
        kind = type(event)
        if kind is _SCALAR:
            at = event.start_mark
            if event.style in _QUOTES:  # point inside quotes, so that an expression's offset lands right
                at = (name, at.line + 1, at.column + 2)
            if event.anchor is not None:
                raise YAMLProblem(_source(at), _ALIASES)
            wants_key = in_map and key is _NO_KEY
            if event.tag is None and not event.implicit[0]:
                value = as_key = event.value  # quoted, or a block scalar: text
            else:
                value, as_key = (event.tag is None and known(event.value)) or _plain(event, at, wants_key)
            if wants_key:
                if as_key in parent:
                    first = parent.key_at(as_key)
                    raise YAMLProblem(_source(at), f"duplicate key '{as_key}' (first defined at line {first.line})")
                key, key_at = as_key, at
                continue
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            if event.anchor is not None:
                raise YAMLProblem(_at(event, name), _ALIASES)
            if event.tag not in _COLLECTION_TAGS:
                raise YAMLProblem(_at(event, name), f"tag '{event.tag}' is not allowed")
            if len(stack) >= MAX_DEPTH:
                raise YAMLProblem(_at(event, name), f"nesting is too deep (more than {MAX_DEPTH} levels)")
            at = event.start_mark
            if in_map and key is _NO_KEY:
                raise YAMLProblem(_source(at), "a key must be a plain value, not a list or mapping")
            value = YMap(at) if kind is _MAPPING_START else YList(at)
        elif kind is _MAPPING_END or kind is _SEQUENCE_END:
            parent, in_map, key_at = stack.pop()
            key = _NO_KEY
            continue
        elif kind is _ALIAS:
            raise YAMLProblem(_at(event, name), _ALIASES)
        elif kind is _DOCUMENT_START:
            documents += 1
            if documents > 1:
                raise YAMLProblem(_at(event, name), "a metadata file holds one document (remove the second '---')")
            continue
        elif kind is _STREAM_END or event is None:
            return result
        else:
            continue
        if parent is None:
            result = value
        elif in_map:
            parent[key] = value
            parent.key_sources[key] = key_at
            if kind is _SCALAR:
                parent.value_sources[key] = at
            key = _NO_KEY
        else:
            parent.append(value)
            parent.item_sources.append(at)
        if kind is not _SCALAR:
            stack.append((parent, in_map, key_at))
            parent, in_map = value, kind is _MAPPING_START


def _at(event: Any, name: str) -> Source:
    mark = event.start_mark
    return Source(name, mark.line + 1, mark.column + 1)


def _plain(event: Any, at: Where, is_key: bool) -> tuple[Any, Any]:
    """(value, value as a key) of a plain or tagged scalar, as the safe loader constructs it.

    Tags without a safe constructor and merge keys (``<<``) are refused. As a key, a
    YAML 1.1 boolean stays the word: a plain ``on:`` (also yes/no/off) is the key 'on'.
    """
    explicit = event.tag not in (None, "!")
    tag = event.tag if explicit else _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _MERGE and is_key:
        raise YAMLProblem(_source(at), "merge keys (<<) are not allowed")
    if tag == _STRING:
        found = (event.value, event.value)
    else:
        construct = _CONSTRUCTOR.yaml_constructors.get(tag)
        if construct is None:
            raise YAMLProblem(_source(at), f"tag '{tag}' is not allowed")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = construct(_CONSTRUCTOR, node)
        except (yaml.YAMLError, ValueError) as error:
            raise YAMLProblem(_source(at), f"cannot read value '{event.value}': "
                                           f"{getattr(error, 'problem', error)}") from None
        except (TypeError, AttributeError, OverflowError):  # e.g. `!!timestamp nope`: PyYAML does not check
            raise YAMLProblem(_source(at), f"cannot read value '{event.value}' as {tag.rpartition(':')[2]}") from None
        found = (value, event.value if tag == _BOOLEAN else value)
    if event.tag is None and event.implicit[0]:
        if len(_PLAIN) >= _PLAIN_LIMIT:
            _PLAIN.clear()
        _PLAIN[event.value] = found
    return found
