"""Safe YAML reading that remembers where every key and value came from.

The event stream is read in one pass, so that anchors and aliases (and with
them the "billion laughs" bomb) and excessive nesting are refused before anything
is built; containers are built straight from the events (parsed by libyaml when it
is installed) as :class:`YMap` / :class:`YList`, plain ``dict``/``list``
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
_BOOLEAN = "tag:yaml.org,2002:bool"


class YAMLProblem(Exception):
    """A file that cannot be read as metadata YAML; ``source`` says where."""

    def __init__(self, source: Source, message: str):
        super().__init__(message)
        self.source = source
        self.message = message


# Where a node is written: a Source, or (path, line, column) until someone asks (most are never asked,
# and a tuple is much cheaper to make than a frozen dataclass).
Where = Source | tuple[str, int, int]


def _source(where: Where) -> Source:
    return where if isinstance(where, Source) else Source(*where)


class YMap(dict):
    """A mapping read from YAML: ``source`` of the mapping, ``key_at``/``value_at`` per key."""

    def __init__(self, source: Where):
        super().__init__()
        self._where = source
        self.key_sources: dict[Any, Where] = {}
        self.value_sources: dict[Any, Where] = {}

    @property
    def source(self) -> Source:
        """Where the mapping starts."""
        return _source(self._where)

    def key_at(self, key: Any) -> Source:
        """Where ``key`` is written (the mapping itself when the key came from elsewhere)."""
        return _source(self.key_sources.get(key, self._where))

    def value_at(self, key: Any) -> Source:
        """Where the value of ``key`` is written (falls back to the key, then the mapping)."""
        return _source(self.value_sources.get(key) or self.key_sources.get(key, self._where))

    def put(self, key: Any, value: Any, key_source: Where, value_source: Where) -> None:
        """Set ``key`` with the places its key and value come from."""
        self[key] = value
        self.key_sources[key] = key_source
        self.value_sources[key] = value_source


class YList(list):
    """A sequence read from YAML: ``source`` of the list and ``item_at`` per item."""

    def __init__(self, source: Where):
        super().__init__()
        self._where = source
        self.item_sources: list[Where] = []

    @property
    def source(self) -> Source:
        """Where the list starts."""
        return _source(self._where)

    def item_at(self, index: int) -> Source:
        """Where item ``index`` is written."""
        return _source(self.item_sources[index] if index < len(self.item_sources) else self._where)

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
    builder = _Builder(name)
    try:
        loader = _Loader(text)
        try:
            while loader.check_event():
                builder.feed(loader.get_event())
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        source = Source(name, mark.line + 1, mark.column + 1) if mark else Source(name)
        raise YAMLProblem(source, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YAMLProblem(Source(name), f"not valid YAML: {error}") from None
    return builder.result


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}


def _tag(event: yaml.ScalarEvent) -> str:
    """The tag of a scalar as the safe loader resolves it (memoised: the same words recur in every file)."""
    if event.tag not in (None, "!"):
        return event.tag
    key = (event.value, event.implicit)
    tag = _RESOLVED.get(key)
    if tag is None:
        if len(_RESOLVED) > 100_000:
            _RESOLVED.clear()
        tag = _RESOLVED[key] = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    return tag


class _Builder:
    """Builds YMap/YList/scalars straight from the event stream, in one pass and without recursion.

    Refuses anchors and aliases before anything is expanded (a "billion laughs"
    file fails at its first anchor), nesting deeper than ``MAX_DEPTH``, more than
    one document, and duplicate keys.
    """

    def __init__(self, name: str):
        self.name = name
        self.result: Any = None
        self.documents = 0
        # One frame per open container: [container, pending key (or _NO_KEY), where the key is].
        self.stack: list[list[Any]] = []

    def source(self, event: yaml.Event) -> tuple[str, int, int]:
        mark = event.start_mark
        # Point inside quotes, so that an expression's column offset lands on the right character.
        quoted = type(event) is yaml.ScalarEvent and event.style in _QUOTES
        return self.name, mark.line + 1, mark.column + 1 + quoted

    def at(self, event: yaml.Event) -> Source:
        return _source(self.source(event))

    def feed(self, event: yaml.Event) -> None:
        """Take the next event (this runs once per scalar, so it dispatches on the exact type)."""
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor:
                raise YAMLProblem(self.at(event), _ALIASES)
            self.add(event, None)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor:
                raise YAMLProblem(self.at(event), _ALIASES)
            if event.tag not in _COLLECTION_TAGS:
                raise YAMLProblem(self.at(event), f"tag '{event.tag}' is not allowed")
            if len(self.stack) >= MAX_DEPTH:
                raise YAMLProblem(self.at(event), f"nesting is too deep (more than {MAX_DEPTH} levels)")
            container = (YMap if kind is yaml.MappingStartEvent else YList)(self.source(event))
            self.add(event, container)
            self.stack.append([container, _NO_KEY, None])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self.stack.pop()
        elif kind is yaml.AliasEvent:
            raise YAMLProblem(self.at(event), _ALIASES)
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise YAMLProblem(self.at(event), "a metadata file holds one document (remove the second '---')")

    def add(self, event: yaml.Event, container: Any) -> None:
        """Place a scalar (``container`` None) or a new container where the stream is."""
        if not self.stack:
            self.result = container if container is not None else self.scalar(event)
            return
        frame = self.stack[-1]
        parent = frame[0]
        if frame[1] is _NO_KEY and type(parent) is YMap:
            self.key(frame, event, container, self.source(event))
            return
        value = container if container is not None else self.scalar(event)
        if type(parent) is YList:
            parent.add(value, self.source(event))
        else:
            parent.put(frame[1], value, frame[2], self.source(event))
            frame[1] = _NO_KEY

    def key(self, frame: list[Any], event: yaml.Event, container: Any, source: Where) -> None:
        if container is not None:
            raise YAMLProblem(_source(source), "a key must be a plain value, not a list or mapping")
        tag = _tag(event)
        if tag == "tag:yaml.org,2002:merge":
            raise YAMLProblem(_source(source), "merge keys (<<) are not allowed")
        # YAML 1.1 reads a plain `on:` (also yes/no/off) as a boolean; as a key it is the word.
        key = event.value if tag in (_STRING, _BOOLEAN) else self.scalar(event, tag)
        if key in frame[0]:
            first = frame[0].key_at(key)
            raise YAMLProblem(_source(source), f"duplicate key '{key}' (first defined at line {first.line})")
        frame[1], frame[2] = key, source

    def scalar(self, event: yaml.ScalarEvent, tag: str | None = None) -> Any:
        if tag is None:
            if event.tag is None and not event.implicit[0]:
                return event.value  # quoted, or a block scalar: text
            tag = _tag(event)
        if tag == _STRING:
            return event.value
        construct = _CONSTRUCTOR.yaml_constructors.get(tag)
        if construct is None:
            raise YAMLProblem(self.at(event), f"tag '{tag}' is not allowed")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return construct(_CONSTRUCTOR, node)
        except (yaml.YAMLError, ValueError) as error:
            raise YAMLProblem(self.at(event), f"cannot read value '{event.value}': "
                                                  f"{getattr(error, 'problem', error)}") from None


_NO_KEY = object()
_QUOTES = ("'", '"')
_COLLECTION_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_ALIASES = "anchors and aliases (&name, *name) are not allowed"
