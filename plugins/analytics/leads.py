"""Predictive lead scoring: naive Bayes over the values of past leads' fields.

Past leads are those ``converted`` (class 1) or ``disqualified`` (class 0); every
other lead is scored. With ``N`` past leads, ``n1`` converted and ``n0`` not, for
each field ``f`` of ``lead_scoring.fields`` with ``K_f`` distinct values among the
past leads (an empty value is a value too):

* prior P(c) = (n_c + 1) / (N + 2)
* likelihood P(f = v | c) = (n_c(f = v) + 1) / (n_c + K_f + 1)     (Laplace: an unseen value is not impossible)
* chance = P(1)·∏P(v|1) / (P(1)·∏P(v|1) + P(0)·∏P(v|0))

A field raises the chance when P(v|1) / P(v|0) is above 1 and lowers it below 1;
the factors stored on the lead list every field with that ratio, strongest first.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from trellis_plugins.analytics.job_writes import changed_rows, write

PAST = {"converted": 1, "disqualified": 0}
EMPTY = ""


class Model:
    """Counts of past leads per class and per (field, value, class)."""

    def __init__(self, fields: tuple[str, ...], past: list[tuple[dict, int]]):
        self.fields = fields
        self.classes = Counter(label for _, label in past)
        self.counts = Counter((name, values[name], label) for values, label in past for name in fields)
        self.distinct = {name: len({values[name] for values, _ in past}) for name in fields}
        self.total = len(past)

    def prior(self, label: int) -> float:
        """P(c) with one imaginary lead of each class."""
        return (self.classes[label] + 1) / (self.total + 2)

    def likelihood(self, name: str, value, label: int) -> float:
        """P(field = value | c), Laplace-smoothed."""
        return (self.counts[(name, value, label)] + 1) / (self.classes[label] + self.distinct[name] + 1)

    def chance(self, values: dict) -> float:
        """The probability (0-1) that a lead with these field values converts."""
        yes, no = self.prior(1), self.prior(0)
        for name in self.fields:
            yes *= self.likelihood(name, values[name], 1)
            no *= self.likelihood(name, values[name], 0)
        return yes / (yes + no)

    def factors(self, values: dict) -> list[dict]:
        """Each field's value and its likelihood ratio P(v|1) / P(v|0), strongest effect first."""
        found = [{"field": name, "value": values[name],
                  "ratio": round(self.likelihood(name, values[name], 1) / self.likelihood(name, values[name], 0), 2)}
                 for name in self.fields]
        return sorted(found, key=lambda factor: -abs(factor["ratio"] - 1) if factor["ratio"] >= 1
                      else -abs(1 / factor["ratio"] - 1))


def usable_fields(records, settings) -> tuple[str, ...]:
    """The configured fields that the lead entity stores in a column of its own."""
    from trellis import metadata_model

    lead = metadata_model().entities["lead"]
    return tuple(name for name in settings.lead_fields
                 if name in lead.fields and lead.fields[name].column == name and not lead.fields[name].computed)


def lead_rows(records, fields: tuple[str, ...]) -> list:
    """Every lead's id, status, stored score and the fields the model reads (one statement)."""
    query = records.query("lead")
    table = query.table
    columns = [table.c[name] for name in fields]
    return query.aggregate(lambda dialect: select(table.c.id, table.c.status, table.c.conversion_chance,
                                                  table.c.score_factors, *columns))


def refresh(records, settings) -> dict:
    """Learn from past leads and write each open lead's chance and factors (only those that changed)."""
    fields = usable_fields(records, settings)
    rows = lead_rows(records, fields)

    def values_of(row) -> dict:
        return {name: EMPTY if row[4 + n] is None else str(row[4 + n]) for n, name in enumerate(fields)}

    past = [(values_of(row), PAST[row.status]) for row in rows if row.status in PAST]
    model = Model(fields, past)
    if not fields or model.classes[0] == 0 or model.classes[1] == 0:
        return {"past": len(past), "scored": 0, "written": 0}
    wanted = {}
    for row in rows:
        if row.status in PAST:
            continue
        values = values_of(row)
        chance = Decimal(str(model.chance(values) * 100)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        wanted[row.id] = ({"conversion_chance": row.conversion_chance, "score_factors": row.score_factors},
                          {"conversion_chance": chance, "score_factors": model.factors(values)})
    changes = changed_rows(wanted)
    write(records, "lead", changes)
    return {"past": len(past), "scored": len(wanted), "written": len(changes)}
