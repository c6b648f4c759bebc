"""The organisation layer's part of ``trellis demo``: sample values for the fields it adds to the plugins' entities.

The plugins' demo data cannot know the fields an organisation's ``metadata/`` adds
with ``extends:`` (the demo organisation's ``home_store`` on a contact, ``region`` on
a deal), so the demo gives each a value by its type, from a random generator seeded
per field (the same values every time): one of its options (one or two of a
``multiselect``), yes for about one record in three of a yes/no field, a whole number
from its ``min`` to its ``max`` (0 to 100 without them), a date in the past year.
Fields of other types (text, links...), computed and read-only ones stay as the
plugins left them. Rows created with ``DemoContext.create_all`` get them as they are
created; after the plugins, :func:`fill_remaining` gives them to the records still
without one.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

BATCH = 500
YES = 1 / 3   # the share of yes/no fields that are yes


class OrganisationSamples:
    """Seeded sample values for the organisation layer's fields of each entity."""

    def __init__(self, metadata: Any, seed: int):
        layers = {layer.name for layer in metadata.layers if layer.kind == "organisation"}
        self.fields = {name: [f for f in entity.fields.values() if f.layer in layers and _sampled(f)]
                       for name, entity in metadata.entities.items()}
        self.seed = seed
        self.today = datetime.now(UTC).date()
        self._random: dict[tuple[str, str], random.Random] = {}

    def fill(self, entity: str, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` with a sample value for each organisation field it does not give (a new dict when any)."""
        missing = [f for f in self.fields.get(entity, ()) if row.get(f.name) is None]
        return {**row, **{f.name: self.value(entity, f) for f in missing}} if missing else row

    def value(self, entity: str, field: Any) -> Any:
        """The next sample value of ``entity``'s ``field`` (each field draws from its own seeded generator)."""
        key = (entity, field.name)
        if key not in self._random:
            self._random[key] = random.Random(f"{self.seed}:{entity}.{field.name}")
        rng = self._random[key]
        if field.options:
            if field.type == "multiselect":
                return rng.sample(field.options, min(len(field.options), rng.randint(1, 2)))
            return rng.choice(field.options)
        if field.storage == "boolean":
            return rng.random() < YES
        if field.storage == "integer":
            low = int(field.min) if field.min is not None else 0
            return rng.randint(low, int(field.max) if field.max is not None else max(low, 100))
        return self.today - timedelta(days=rng.randint(0, 365))


def fill_remaining(records: Any, samples: OrganisationSamples) -> None:
    """Give the organisation's fields a sample value on each record still without one (those the plugins'
    demos created one by one), through ``records.update_many``."""
    for entity, fields in samples.fields.items():
        for field in fields:
            after = 0
            while True:
                rows = (records.query(entity).filter(**{f"{field.name}__isnull": True, "id__gt": after})
                        .order_by("id").page(size=BATCH, count=False).rows)
                if not rows:
                    break
                records.update_many(entity, {row.id: {field.name: samples.value(entity, field)} for row in rows})
                after = rows[-1].id


def _sampled(field: Any) -> bool:
    """Whether the demo gives ``field`` sample values: a stored, settable choice, yes/no, whole number or date."""
    if field.computed or field.readonly or not field.column:
        return False
    return bool(field.options) or field.storage in ("boolean", "integer", "date")
