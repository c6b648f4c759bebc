"""Finding the record a row duplicates, by the entity's ``dedupe:`` rules.

``{match: [email]}`` is exact: the normalised values (trimmed, inner spaces
collapsed, casefolded) of every listed field are equal. ``{match: [first_name,
last_name], fuzzy: true}`` compares the listed values joined, by difflib ratio
>= 0.9, but only against candidates that share a blocking key, never the whole
table: with two or more fields a key is one field's whole value plus the first
letters of the other fields, or plus their last letters (one typo anywhere leaves
at least one key intact); with one field, its first three or its last three letters.

The index is read from the table once per import and grows with every record the
import writes, so a duplicate inside the file counts as much as one in the table.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from trellis.metadata.model import DedupeRule, Entity

FUZZY_RATIO = 0.9


def norm(value: Any) -> str:
    """A value as dedupe compares it: '' for empty, else trimmed, spaces collapsed, casefolded."""
    if value is None:
        return ""
    if isinstance(value, dict):  # a link as a plain dict
        value = value.get("id")
    elif isinstance(value, int) and not isinstance(value, bool):
        value = int(value)  # a Link compares as its id
    return " ".join(str(value).split()).casefold()


def describe(rule: DedupeRule) -> str:
    """``email`` or ``first_name+last_name (fuzzy)``: how a rule is named in flags and messages."""
    return "+".join(rule.match) + (" (fuzzy)" if rule.fuzzy else "")


@dataclass
class _Rule:
    rule: DedupeRule
    exact: dict[tuple[str, ...], int]
    blocks: dict[tuple, list[tuple[int, str]]]


class DuplicateIndex:
    """The values of one entity's records under its dedupe rules; ``find`` a row's duplicate."""

    def __init__(self, entity: Entity, rules: Iterable[DedupeRule] | None = None):
        self.entity = entity
        wanted = list(entity.dedupe if rules is None else rules)
        self._rules = [_Rule(r, {}, {}) for r in wanted if all(n in entity.fields for n in r.match)]
        self._journal: list[tuple[Any, Any]] | None = None   # what ``add`` did since ``mark``, to undo it

    @property
    def active(self) -> bool:
        """True when there is at least one usable rule."""
        return bool(self._rules)

    def load(self, connection, table, where: Any = None) -> DuplicateIndex:
        """Read every existing record's matched values (one query)."""
        names = sorted({n for r in self._rules for n in r.rule.match})
        fields = [self.entity.fields[n] for n in names if self.entity.fields[n].column]
        if not fields:
            return self
        statement = select(table.c.id, *[table.c[f.column] for f in fields]).order_by(table.c.id)
        if where is not None:
            statement = statement.where(where)
        for row in connection.execute(statement):
            self.add(row[0], {f.name: value for f, value in zip(fields, row[1:], strict=True)})
        return self

    def add(self, record_id: int, values: dict[str, Any]) -> None:
        """Remember ``record_id`` with ``values`` (after a create or an update)."""
        journal = self._journal
        for entry in self._rules:
            parts = tuple(norm(values.get(n)) for n in entry.rule.match)
            if not entry.rule.fuzzy:
                if all(parts) and parts not in entry.exact:
                    entry.exact[parts] = record_id
                    if journal is not None:
                        journal.append((entry.exact, parts))
                continue
            if not any(parts):
                continue
            joined = " ".join(parts)
            for block in _block_keys(parts):
                candidates = entry.blocks.setdefault(block, [])
                candidates.append((record_id, joined))
                if journal is not None:
                    journal.append((candidates, None))

    def keys(self, values: dict[str, Any]) -> tuple:
        """What ``add`` indexes of ``values``: two value sets with equal keys are indexed alike."""
        return tuple(tuple(norm(values.get(n)) for n in entry.rule.match) for entry in self._rules)

    def mark(self) -> int:
        """A point to :meth:`undo` back to (what is added from now on is journaled until :meth:`keep`)."""
        if self._journal is None:
            self._journal = []
        return len(self._journal)

    def undo(self, mark: int) -> None:
        """Forget what was added since ``mark``."""
        while self._journal is not None and len(self._journal) > mark:
            place, key = self._journal.pop()
            if key is None:
                place.pop()
            else:
                del place[key]

    def keep(self) -> None:
        """What was added since the first ``mark`` stays: stop journaling."""
        self._journal = None

    def find(self, values: dict[str, Any], exclude: int | None = None) -> tuple[int, str] | None:
        """``(record id, rule)`` of the first rule ``values`` matches an indexed record by, or None."""
        for entry in self._rules:
            parts = tuple(norm(values.get(n)) for n in entry.rule.match)
            if not entry.rule.fuzzy:
                found = entry.exact.get(parts) if all(parts) else None
                if found is not None and found != exclude:
                    return found, describe(entry.rule)
                continue
            if not any(parts):
                continue
            found = _closest(entry, parts, exclude)
            if found is not None:
                return found, describe(entry.rule)
        return None


def _block_keys(parts: tuple[str, ...]) -> list[tuple]:
    if len(parts) == 1:
        value = parts[0]
        return [("head", value[:3]), ("tail", value[-3:])]
    keys = []
    for i, value in enumerate(parts):
        if value:
            others = [p for j, p in enumerate(parts) if j != i]
            keys.append((i, value, "first", tuple(p[:1] for p in others)))
            keys.append((i, value, "last", tuple(p[-1:] for p in others)))
    return keys


def _closest(entry: _Rule, parts: tuple[str, ...], exclude: int | None) -> int | None:
    joined = " ".join(parts)
    matcher = difflib.SequenceMatcher(None, b=joined, autojunk=False)  # seq2 is the one difflib caches
    best, best_ratio, seen = None, FUZZY_RATIO, set()
    for block in _block_keys(parts):
        for record_id, other in entry.blocks.get(block, ()):
            if record_id in seen or record_id == exclude:
                continue
            seen.add(record_id)
            if other == joined:
                return record_id
            matcher.set_seq1(other)
            # The cheap upper bounds first: most candidates fail them without the full comparison.
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= best_ratio and (best is None or ratio > best_ratio or record_id < best):
                best, best_ratio = record_id, ratio
    return best
