"""Workflow approvals: a transition with ``approval:`` runs only once its levels are approved.

The record service calls :meth:`Approvals.gate` when a user (never the system) asks
for such a transition: the call counts as that user's approval of the level the
record is at, and the transition runs when it completes the last level. An approver
is matched dynamically at decision time (a role, a user field, the manager chain), a
delegate may approve for an approver who is away, and the same person never counts
twice at one level. :meth:`Approvals.reject` stops the transition (and runs the
approval's ``on_reject`` transition, if any). The scheduler (every five minutes, when some
level has ``escalate_after``) widens a level that waited past it to its ``escalate_to`` approvers.

Everything runs inside the caller's unit of work, after the record is locked, so two
approvers deciding at once take turns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from trellis.automation.tables import utc
from trellis.data.records import records_for
from trellis.data.unit import unit_of_work, write_now
from trellis.errors import PermissionDenied, ValidationError
from trellis.expr import ExpressionError
from trellis.metadata.approvals import Approval, ApprovalLevel, Approver
from trellis.metadata.model import Transition, Workflow
from trellis.runtime import runtime

PENDING, APPROVED, REJECTED, CLOSED = "pending", "approved", "rejected", "closed"


@dataclass
class Decision:
    """One row of an approval's history: ``decision`` is approve, reject or escalated."""

    level: int
    decision: str
    user_id: int | None
    approver_id: int | None
    at: datetime


@dataclass
class ApprovalState:
    """Where one approval stands, for the record page: its row, its decisions and who may decide now."""

    transition: Transition
    status: str
    level: int
    escalated: bool
    level_started_at: datetime
    decisions: list[Decision] = field(default_factory=list)
    skipped: set[int] = field(default_factory=set)


class Approvals:
    """The approvals of one application (``runtime(app).approvals``)."""

    def __init__(self, app, tables):
        self.app = app
        self.tables = tables

    # --- deciding ------------------------------------------------------------------------

    def gate(self, service, workflow: Workflow, record, transition: Transition) -> bool:
        """Count the acting user's approval of ``transition``; True when the transition may run now.

        Called by the record service inside the transition's unit of work. Raises
        PermissionDenied when the user is not an approver of the current level (nor a
        delegate of one), ValidationError when they already approved it or the
        approval was rejected.
        """
        current = service.as_system().lock(record.entity, record.id)   # approvers deciding at once take turns
        if not transition.allowed_from(current.get(workflow.field)):
            return True   # the write path refuses it with its own message
        return self._decide(service, current, transition, "approve") == APPROVED

    def reject(self, service, entity: str, record_id: int, name: str) -> None:
        """Reject the approval of transition ``name`` on a record as the service's user: the transition
        will not run; the approval's ``on_reject`` transition runs (as the system) when there is one."""
        workflow, transition = self._transition(entity, name)
        with service.transaction():
            service.get(entity, record_id)   # NotFound when the user may not read it
            record = service.as_system().lock(entity, record_id)
            if not transition.allowed_from(record.get(workflow.field)):
                raise ValidationError({workflow.field: _("There is nothing to approve in this state")})
            self._decide(service, record, transition, "reject")
            if transition.approval.on_reject:
                service.as_system(actor="approvals").transition(entity, record_id, transition.approval.on_reject)

    def _decide(self, service, record, transition: Transition, verdict: str) -> str:
        approval = transition.approval
        now = write_now()
        with unit_of_work(self.app) as connection:
            row = self._current(connection, record, transition, now)
            if row["status"] == REJECTED:
                raise ValidationError({"__all__": _("This approval was rejected")})
            if row["status"] == APPROVED:
                return APPROVED
            level = approval.levels[row["level"]]
            user = getattr(service.user, "id", service.user)
            approver = self._acting_for(connection, row, record, level, user, now)
            connection.execute(sa.insert(self.tables.decisions).values(
                approval_id=row["id"], level=row["level"], decision=verdict, user_id=user, approver_id=approver,
                at=now))
            approvals = self.tables.approvals
            if verdict == "reject":
                connection.execute(sa.update(approvals).where(approvals.c.id == row["id"])
                                   .values(status=REJECTED, closed_at=now))
                return REJECTED
            if len(self._votes(connection, row["id"], row["level"])) < level.required:
                return PENDING
            following = self._next_level(approval, record, row["level"] + 1, now)
            if following is None:
                connection.execute(sa.update(approvals).where(approvals.c.id == row["id"])
                                   .values(status=APPROVED, closed_at=now))
                return APPROVED
            connection.execute(sa.update(approvals).where(approvals.c.id == row["id"])
                               .values(level=following, escalated=False, level_started_at=now))
            return PENDING

    def _acting_for(self, connection, row, record, level: ApprovalLevel, user: Any, now: datetime) -> int:
        """Whose approval the user gives: their own when they are an approver, else an away approver's."""
        candidates = self._candidates(level, row["escalated"])
        voted = self._votes(connection, row["id"], row["level"])
        matched = False
        for who in [user, *self._delegators(connection, user, now)]:
            if self.is_approver(candidates, record, who):
                matched = True
                if who not in voted:
                    return who
        if matched:
            raise ValidationError({"__all__": _("Your approval is already counted at this level")})
        raise PermissionDenied(_("You are not an approver of this step"))

    def _votes(self, connection, approval_id: int, level: int) -> set[int]:
        d = self.tables.decisions
        rows = connection.execute(sa.select(d.c.approver_id).where(
            d.c.approval_id == approval_id, d.c.level == level, d.c.decision == "approve"))
        return {r[0] for r in rows}

    # --- who approves ----------------------------------------------------------------------

    @staticmethod
    def _candidates(level: ApprovalLevel, escalated: bool) -> tuple[Approver, ...]:
        return level.approvers + (level.escalate_to if escalated else ())

    def is_approver(self, candidates: tuple[Approver, ...], record, user: Any) -> bool:
        """True when ``user`` is one of ``candidates`` for ``record``."""
        if user is None:
            return False
        for approver in candidates:
            if approver.kind == "role":
                actor = runtime(self.app).access.actor(user)
                if actor is not None and approver.role in actor.roles:
                    return True
            elif self.user_of(approver, record) == user:
                return True
        return False

    def user_of(self, approver: Approver, record) -> int | None:
        """The one user a ``field`` or ``manager_chain`` approver names for ``record`` (None: nobody)."""
        if approver.kind == "field":
            return _id(record.get(approver.field))
        if approver.kind != "manager_chain":
            return None
        system = records_for(self.app)
        current = _id(record.get(approver.via)) if approver.via else record.id
        for _step in range(approver.up):
            if current is None:
                return None
            current = _id(system.get(approver.entity, current).get(approver.manager))
        return None if current is None else _id(system.get(approver.entity, current).get(approver.user))

    def _delegators(self, connection, delegate: Any, now: datetime) -> list[int]:
        """The users who delegated their approvals to ``delegate`` for today (the organisation's date)."""
        today = self.today(now)
        d = self.tables.delegations
        rows = connection.execute(sa.select(d.c.user_id).where(
            d.c.delegate_id == delegate, d.c.starts_on <= today, d.c.ends_on >= today).order_by(d.c.id))
        return [r[0] for r in rows]

    def today(self, now: datetime) -> date:
        """``now``'s date in the organisation's time zone."""
        return utc(now).astimezone(ZoneInfo(str(self.app.config.get("TIMEZONE") or "UTC"))).date()

    # --- opening, closing, escalating ------------------------------------------------------

    def after_transition(self, workflow: Workflow, record, taken: Transition) -> None:
        """Close the approvals a move ended and open those of the transitions that may now follow it."""
        now = write_now()
        approvals = self.tables.approvals
        with unit_of_work(self.app) as connection:
            for transition in workflow.transitions.values():
                if transition.approval is None:
                    continue
                # Whatever was pending is over: the move went another way, or the system made it without asking.
                connection.execute(sa.update(approvals).where(
                    approvals.c.entity == record.entity, approvals.c.record_id == record.id,
                    approvals.c.transition == transition.name, approvals.c.status == PENDING)
                    .values(status=CLOSED, closed_at=now))
                if transition.allowed_from(record.get(workflow.field)):
                    self._open(connection, record, transition, now)

    def _current(self, connection, record, transition: Transition, now: datetime):
        """The approval this record's ``transition`` waits for, opened now when there is none yet."""
        row = self._latest(connection, record.entity, record.id, transition.name)
        if row is None or row["status"] in (APPROVED, CLOSED):
            row = self._open(connection, record, transition, now)
        return row

    def _latest(self, connection, entity: str, record_id: int, name: str):
        a = self.tables.approvals
        return connection.execute(sa.select(a).where(a.c.entity == entity, a.c.record_id == record_id,
                                                     a.c.transition == name)
                                  .order_by(a.c.id.desc()).limit(1)).mappings().first()

    def _open(self, connection, record, transition: Transition, now: datetime):
        first = self._next_level(transition.approval, record, 0, now)
        status = PENDING if first is not None else APPROVED
        a = self.tables.approvals
        connection.execute(sa.insert(a).values(entity=record.entity, record_id=record.id, transition=transition.name,
                                               level=first or 0, status=status, escalated=False,
                                               level_started_at=now, opened_at=now,
                                               closed_at=None if first is not None else now))
        return self._latest(connection, record.entity, record.id, transition.name)

    @staticmethod
    def applies(level: ApprovalLevel, record, now: datetime) -> bool:
        """Whether ``level``'s ``when`` holds for ``record`` (no ``when``, or one that cannot be evaluated: yes)."""
        if level.when is None:
            return True
        try:
            return bool(level.when.evaluate({**getattr(record, "system", {}), **record}, now=now))
        except ExpressionError:
            return True   # unsure: ask for the approval rather than skip it

    def _next_level(self, approval: Approval, record, start: int, now: datetime) -> int | None:
        """The first level from ``start`` on whose ``when`` holds for ``record`` (None: no level left)."""
        for index in range(start, len(approval.levels)):
            if self.applies(approval.levels[index], record, now):
                return index
        return None

    def escalates(self) -> bool:
        """True when some workflow has an approval level with ``escalate_after`` (the scheduler then checks)."""
        return any(level.escalate_after is not None for workflow in runtime(self.app).metadata.workflows.values()
                   for t in workflow.transitions.values() if t.approval is not None for level in t.approval.levels)

    def escalate_due(self, now: datetime) -> int:
        """Escalate every pending level that waited past its ``escalate_after``; returns how many."""
        a = self.tables.approvals
        escalated = 0
        with unit_of_work(self.app) as connection:
            rows = connection.execute(sa.select(a).where(a.c.status == PENDING, a.c.escalated.is_(False))
                                      .order_by(a.c.id)).mappings().all()
            for row in rows:
                try:
                    _workflow, transition = self._transition(row["entity"], row["transition"])
                except LookupError:
                    continue   # the YAML no longer has it: nothing to escalate to
                levels = transition.approval.levels
                if row["level"] >= len(levels) or levels[row["level"]].escalate_after is None:
                    continue
                if now < self.deadline(levels[row["level"]], utc(row["level_started_at"])):
                    continue
                connection.execute(sa.update(a).where(a.c.id == row["id"]).values(escalated=True))
                connection.execute(sa.insert(self.tables.decisions).values(
                    approval_id=row["id"], level=row["level"], decision="escalated", user_id=None,
                    approver_id=None, at=now))
                escalated += 1
        return escalated

    def deadline(self, level: ApprovalLevel, started: datetime) -> datetime:
        """When ``level``, waiting since ``started``, escalates: hours on the clock or on a business calendar."""
        timeout = level.escalate_after
        if not timeout.working:
            return started + timedelta(hours=timeout.hours)
        from trellis import business_calendar

        return business_calendar(timeout.calendar).add_working_time(started, timedelta(hours=timeout.hours))

    # --- reading -------------------------------------------------------------------------

    def states(self, record) -> list[ApprovalState]:
        """The approvals of ``record``'s transitions that have one (the newest of each), for its page."""
        found = []
        with unit_of_work(self.app, write=False) as connection:
            for workflow in self._workflows(record.entity):
                for transition in workflow.transitions.values():
                    if transition.approval is None:
                        continue
                    row = self._latest(connection, record.entity, record.id, transition.name)
                    waiting = transition.allowed_from(record.get(workflow.field))
                    if not waiting and (row is None or row["status"] == CLOSED):
                        continue
                    found.append(self._state(connection, record, transition, row, waiting))
        return found

    def _state(self, connection, record, transition: Transition, row, waiting: bool) -> ApprovalState:
        now = write_now()
        if row is None or (waiting and row["status"] in (APPROVED, CLOSED)):   # not opened yet: as it would be
            first = self._next_level(transition.approval, record, 0, now)
            return ApprovalState(transition, PENDING if first is not None else APPROVED, first or 0, False, now,
                                 skipped=set(range(first or 0)))
        d = self.tables.decisions
        rows = connection.execute(sa.select(d).where(d.c.approval_id == row["id"]).order_by(d.c.id)).mappings()
        decisions = [Decision(r["level"], r["decision"], r["user_id"], r["approver_id"], utc(r["at"])) for r in rows]
        decided = {item.level for item in decisions}
        skipped = {n for n in range(row["level"]) if n not in decided}
        return ApprovalState(transition, row["status"], row["level"], bool(row["escalated"]),
                             utc(row["level_started_at"]), decisions, skipped)

    def may_decide(self, state: ApprovalState, record, user: Any) -> bool:
        """True when ``user`` (or someone they stand in for) may approve or reject ``state`` now."""
        if state.status != PENDING:
            return False
        level = state.transition.approval.levels[state.level]
        voted = {d.approver_id for d in state.decisions if d.level == state.level and d.decision == "approve"}
        with unit_of_work(self.app, write=False) as connection:
            people = [user, *self._delegators(connection, user, write_now())]
        candidates = self._candidates(level, state.escalated)
        return any(who not in voted and self.is_approver(candidates, record, who) for who in people)

    def _workflows(self, entity: str) -> list[Workflow]:
        return [w for w in runtime(self.app).metadata.workflows.values() if w.entity == entity]

    def _transition(self, entity: str, name: str) -> tuple[Workflow, Transition]:
        for workflow in self._workflows(entity):
            transition = workflow.transitions.get(name)
            if transition is not None and transition.approval is not None:
                return workflow, transition
        raise LookupError(f"{entity} has no transition '{name}' that needs approval")

    # --- delegations -----------------------------------------------------------------------

    def delegate(self, user: int, delegate: int, starts_on: date, ends_on: date) -> int:
        """Let ``delegate`` approve for ``user`` from ``starts_on`` to ``ends_on`` (inclusive); returns its id."""
        if delegate == user:
            raise ValidationError({"delegate": _("Choose someone other than yourself")})
        if ends_on < starts_on:
            raise ValidationError({"ends_on": _("The end is before the start")})
        if (ends_on - starts_on).days > 366:
            raise ValidationError({"ends_on": _("A delegation lasts at most a year")})
        d = self.tables.delegations
        with unit_of_work(self.app) as connection:
            result = connection.execute(sa.insert(d).values(user_id=user, delegate_id=delegate, starts_on=starts_on,
                                                            ends_on=ends_on, created_at=write_now()))
            return int(result.inserted_primary_key[0])

    def delegations(self, user: int) -> list[dict[str, Any]]:
        """The delegations ``user`` gave, newest first."""
        d = self.tables.delegations
        with unit_of_work(self.app, write=False) as connection:
            rows = connection.execute(sa.select(d).where(d.c.user_id == user).order_by(d.c.id.desc()))
            return [dict(r) for r in rows.mappings()]

    def end_delegation(self, user: int, delegation_id: int) -> bool:
        """Remove one of ``user``'s own delegations; False when they have none with that id."""
        d = self.tables.delegations
        with unit_of_work(self.app) as connection:
            result = connection.execute(sa.delete(d).where(d.c.id == delegation_id, d.c.user_id == user))
            return result.rowcount > 0


def _id(value: Any) -> Any:
    return getattr(value, "id", value)
