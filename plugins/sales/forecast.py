"""Sales numbers: the weighted pipeline by month and won-versus-target per salesperson.

Everything is read through the record service's queries, so a user sees only the
numbers of the deals they may read. The query builder has no aggregates, so the
sums are made here while iterating the matching deals page by page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

OPEN_STAGES_EXCLUDED = ("won", "lost")


@dataclass(frozen=True)
class TargetProgress:
    """One target and what its salesperson (or team) has won in its period."""

    target: str
    who: str
    period_start: date
    period_end: date
    amount: Decimal
    won: Decimal

    @property
    def percent(self) -> int:
        """Won as a whole percentage of the target (0 for a zero target)."""
        return int(self.won * 100 / self.amount) if self.amount else 0


def _id(value):
    """A link value's id: query rows hold ``{"id": .., "name": ..}``, records a bare id."""
    return value.get("id") if isinstance(value, dict) else value


def _name(value) -> str:
    if isinstance(value, dict):
        return value.get("name") or str(value.get("id"))
    return getattr(value, "name", None) or str(value or "")  # a Link carries the title


def final_stages(metadata) -> set[str]:
    """The deal pipeline's final stages (won and lost, plus any an organisation adds)."""
    workflow = metadata.workflow_for("deal", "stage")
    if workflow is None:
        return set(OPEN_STAGES_EXCLUDED)
    return {name for name, state in workflow.states.items() if state.final}


def won_stages(metadata) -> set[str]:
    """The deal pipeline's stages marked ``won: true``."""
    workflow = metadata.workflow_for("deal", "stage")
    if workflow is None:
        return {"won"}
    return {name for name, state in workflow.states.items() if state.won}


def weighted_pipeline(records, start: date | None = None, end: date | None = None) -> list[tuple[str, Decimal, int]]:
    """``(YYYY-MM, expected revenue, deal count)`` per close-date month of open deals, oldest first.

    Open deals are those not in a final stage; deals without a close date or an
    amount are left out. ``start``/``end`` limit the close dates (inclusive).
    """
    closed = final_stages(records.metadata)
    query = records.query("deal").filter(close_date__isnull=False)
    if start is not None:
        query = query.filter(close_date__gte=start)
    if end is not None:
        query = query.filter(close_date__lte=end)
    months: dict[str, list] = {}
    for deal in query.iterate():
        if deal.get("stage") in closed or deal.get("expected") is None:
            continue
        month = deal["close_date"].strftime("%Y-%m")
        total = months.setdefault(month, [Decimal(0), 0])
        total[0] += Decimal(deal["expected"])
        total[1] += 1
    return [(month, total, count) for month, (total, count) in sorted(months.items())]


def target_progress(records) -> list[TargetProgress]:
    """Every target the user may read, with the amount won by its owner (or team) in its period.

    A deal counts when it is in a won stage, its close date falls in the period and
    its owner is the target's salesperson (or, for a team target, a member of the team).
    """
    won = sorted(won_stages(records.metadata))
    result = []
    for target in records.query("sales_target").order_by("period_start").iterate():
        owners = _owners_of(records, target)
        total = Decimal(0)
        if owners:
            deals = records.query("deal").filter(stage__in=won, close_date__gte=target["period_start"],
                                                 close_date__lte=target["period_end"], owner__in=sorted(owners))
            total = sum((Decimal(d["amount"] or 0) for d in deals.iterate()), Decimal(0))
        who = _name(target.get("user")) if target.get("user") else _name(target.get("team"))
        result.append(TargetProgress(target["name"], who, target["period_start"], target["period_end"],
                                     Decimal(target["amount"]), total))
    return result


def _owners_of(records, target) -> set[int]:
    if target.get("user"):
        return {_id(target["user"])}
    team = _id(target.get("team"))
    if team is None:
        return set()
    return {member.id for member in records.as_user(None).query("user").filter(team=team).iterate()}


def pipeline_by_stage(records) -> list[tuple[str, int, Decimal]]:
    """``(stage, deal count, total amount)`` for every pipeline stage, in the workflow's order."""
    workflow = records.metadata.workflow_for("deal", "stage")
    stages = list(workflow.states) if workflow is not None else []
    totals = {stage: [0, Decimal(0)] for stage in stages}
    for deal in records.query("deal").iterate():
        total = totals.setdefault(deal.get("stage"), [0, Decimal(0)])
        total[0] += 1
        total[1] += Decimal(deal.get("amount") or 0)
    return [(stage, count, amount) for stage, (count, amount) in totals.items()]


def lost_by_reason(records) -> list[tuple[str, int, Decimal]]:
    """``(reason, deal count, amount)`` of lost deals, the most frequent reason first."""
    lost = sorted(name for name, state in _states(records).items() if state.lost) or ["lost"]
    totals: dict[str, list] = {}
    for deal in records.query("deal").filter(stage__in=lost).iterate():
        total = totals.setdefault(_name(deal.get("lost_reason")) or "-", [0, Decimal(0)])
        total[0] += 1
        total[1] += Decimal(deal.get("amount") or 0)
    return sorted(((r, c, a) for r, (c, a) in totals.items()), key=lambda row: (-row[1], row[0]))


def lead_sources(records) -> list[tuple[str, int, int]]:
    """``(source, leads, converted leads)`` per lead source, the largest first."""
    counts: dict[str, list[int]] = {}
    for lead in records.query("lead").iterate():
        count = counts.setdefault(lead.get("source") or "-", [0, 0])
        count[0] += 1
        count[1] += lead.get("status") == "converted"
    return sorted(((s, n, c) for s, (n, c) in counts.items()), key=lambda row: (-row[1], row[0]))


def _states(records) -> dict:
    workflow = records.metadata.workflow_for("deal", "stage")
    return dict(workflow.states) if workflow is not None else {}
