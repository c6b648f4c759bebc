"""Roll-ups of the parents that child writes changed: each parent recomputed and saved once.

A child write (step 8 of the write path) changes the roll-ups of the parents its
link points at, before and after the write. Each such parent is read, all its
roll-ups over the child entity are recomputed from the children as stored now,
and the parent is saved once with those that changed (one history row set, one
version step), as a system write. For the rows of one ``create_many`` run the
parents are many: their sums and counts are then one ``GROUP BY`` per roll-up
field, and the parents one ``update_many`` (one executemany per set of columns).
"""

from __future__ import annotations

from typing import Any

from trellis.data import reporting_lines
from trellis.data.compute import rollup_inputs, rollup_values
from trellis.data.plan import WritePlan, plan_for
from trellis.data.record import Record
from trellis.data.storage import load
from trellis.metadata.model import Entity, Field


class BatchRollups:
    """Step 8's roll-ups; mixed into :class:`trellis.data.records.RecordService`."""

    def _update_rollups_many(self, connection, child: Entity,
                             writes: list[tuple[Record | None, Record | None, dict | None]],
                             plan: WritePlan | None = None) -> None:
        """Recompute the parent roll-ups that ``writes`` (``(old, new, changes)`` of ``child`` records) may have
        changed, and move the reporting lines a changed manager link moved (:mod:`trellis.data.reporting_lines`)."""
        if self.schema.lines:
            for old, new, _ in writes:
                reporting_lines.follow(connection, self.schema, child, old, new)
        due: dict[str, tuple[Entity, dict[int, list[Field]]]] = {}
        for parent, field in (plan or plan_for(self.app, child)).rollups_over:
            inputs = rollup_inputs(self.metadata, field)
            link = field.rollup.link
            for old, new, changes in writes:
                if old is not None and new is not None and not inputs & set(changes or {}):
                    continue
                for record in (old, new):
                    parent_id = record.get(link) if record is not None else None
                    if parent_id is None:
                        continue
                    fields = due.setdefault(parent.name, (parent, {}))[1].setdefault(int(parent_id), [])
                    if field not in fields:
                        fields.append(field)
        for parent, by_id in due.values():
            self._save_rollups(connection, parent, by_id)

    def _save_rollups(self, connection, parent: Entity, by_id: dict[int, list[Field]]) -> None:
        """Save each parent of ``by_id`` (id -> its roll-up fields to recompute) with the values that changed."""
        ids = sorted(by_id)
        fields: dict[str, Field] = {}
        for wanted in by_id.values():
            fields.update((field.name, field) for field in wanted)
        values: dict[str, dict[int, Any]] = {
            name: rollup_values(connection, self.schema, self.metadata, field,
                                [i for i in ids if field in by_id[i]])
            for name, field in fields.items()}
        if len(ids) == 1:
            current = load(connection, self.schema, parent, ids[0])
            if current is not None:
                changed = self._changed_rollups(current, by_id[ids[0]], values)
                if changed:
                    self._save(connection, parent, current, changed, system=True)
            return
        system = type(self)(self.app, None, self.channel, operation=self.operation, actor=self.actor,
                            system=self.acts_as_system)
        currents = system._load_many(connection, parent, ids)
        wanted = [(i, self._changed_rollups(currents[i], by_id[i], values)) for i in ids if i in currents]
        wanted = [(i, changed) for i, changed in wanted if changed]
        if wanted:
            system._update_many(connection, parent, wanted, system=True, olds=currents)  # locked by the child write

    @staticmethod
    def _changed_rollups(current: Record, fields: list[Field], values: dict[str, dict[int, Any]]) -> dict[str, Any]:
        return {field.name: values[field.name][current.id] for field in fields
                if current.get(field.name) != values[field.name][current.id]}
