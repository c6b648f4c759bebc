"""Sales numbers for the plugin's widgets: the weighted pipeline by month and won-versus-target.

Everything is read through the record service's queries, so a user sees only the
numbers of the deals they may read. The sales dashboard's charts (pipeline, forecast,
conversion, lost reasons, lead sources) are ``report:`` YAML in ``metadata/reports/``,
each one SQL GROUP BY; what is left here joins targets to deals, which one report cannot.
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
