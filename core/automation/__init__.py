"""Workflows' actions, automations, the scheduler, jobs and email.

Public API::

    init_app(app)                                   # called by create_app
    enqueue(app, job_name, payload, delay=0) -> id  # queue a background job (after commit, inside a write)
    register_job(app, name, run, max_attempts=5)    # run(app, payload)
    drain(app, now=None) -> int                     # run every due job now (tests, the thread runner)
    tick(app, now=None) -> [Fired]                  # fire time triggers due at now (scheduler, tests)
    recent_runs(app, limit=50) -> [Run]             # automation runs, newest first (admin page)
    emails_for(app, entity, record_id) -> [dict]    # emails about a record (timeline)

See ``docs/automation.md`` for the YAML.
"""

from __future__ import annotations

from typing import Any

# Each public function imports its module when called: the `trellis` command imports this
# package for its commands alone, and `trellis check` must not load SQLAlchemy.

__all__ = ["drain", "emails_for", "enqueue", "init_app", "job_status", "recent_runs", "register_job", "tick"]

def enqueue(app, job_name: str, payload: dict, delay: float = 0, key: str | None = None) -> int:
    """Queue a background job (after commit, inside a write; once per ``key``); see
    :func:`trellis.automation.jobs.enqueue`."""
    from trellis.automation import jobs

    return jobs.enqueue(app, job_name, payload, delay, key=key)


def register_job(app, name: str, run, max_attempts: int = 5, failed=None) -> Any:
    """Register the job ``name``: ``run(app, payload)``; see :func:`trellis.automation.jobs.register_job`."""
    from trellis.automation import jobs

    return jobs.register_job(app, name, run, max_attempts=max_attempts, failed=failed)


def drain(app, now=None, limit: int = 1000) -> int:
    """Run every due job now (tests, the thread runner); see :func:`trellis.automation.jobs.drain`."""
    from trellis.automation import jobs

    return jobs.drain(app, now, limit)


def job_status(app, job_id: int) -> dict | None:
    """One job's state, or None; see :func:`trellis.automation.jobs.job_status`."""
    from trellis.automation import jobs

    return jobs.job_status(app, job_id)


def tick(app, now=None) -> list:
    """Fire the time triggers due at ``now``; see :func:`trellis.automation.schedule.tick`."""
    from trellis.automation import schedule

    return schedule.tick(app, now)


def recent_runs(app, limit: int = 50, automation: str | None = None, outcome: str | None = None) -> list:
    """Automation runs, newest first (admin page); see :func:`trellis.automation.runs.recent_runs`."""
    from trellis.automation import runs

    return runs.recent_runs(app, limit, automation, outcome)


def emails_for(app, entity: str, record_id: int) -> list[dict[str, Any]]:
    """The emails about one record, newest first (timeline); see :func:`trellis.automation.email.emails_for`."""
    from trellis.automation import email

    return email.emails_for(app, entity, record_id)


def declare_tables(metadata: Any) -> Any:
    """Define the engine's tables (runs, outbox, email log, state) on the schema's ``metadata``."""
    from trellis.automation.tables import add_tables

    return add_tables(metadata)


def declare_approval_tables(metadata: Any) -> Any:
    """Define the workflow approvals' tables (approvals, decisions, delegations) on the schema's ``metadata``."""
    from trellis.automation.approval_tables import add_approval_tables

    return add_approval_tables(metadata)


def init_app(app) -> None:
    """Add the engine's tables to the schema, its jobs and its runner; this turns on its record hooks (the
    built-in plugin ``trellis.automation``, :mod:`trellis.plugins.builtins.automation`)."""
    from trellis.automation import backups, email, webhooks
    from trellis.automation.approvals import Approvals
    from trellis.automation.events import transition_actions
    from trellis.automation.jobs import Jobs, register_job
    from trellis.automation.runners import build_runner, runner_kind
    from trellis.automation.state import AutomationState
    from trellis.runtime import runtime

    state = runtime(app)
    tables = state.tables.automation
    jobs = Jobs(app, tables.outbox)
    state.jobs = jobs
    state.automation = AutomationState(app, tables, jobs)
    register_job(app, email.EMAIL_JOB, email.send_job, failed=email.send_failed)
    register_job(app, webhooks.WEBHOOK_JOB, webhooks.send_job)
    register_job(app, backups.BACKUP_JOB, backups.run_backup, max_attempts=3)
    state.transition_actions = transition_actions(app)
    state.approvals = Approvals(app, state.tables.approvals)
    kind = runner_kind(app.config)
    jobs.runner = build_runner(app, kind)
    if kind == "thread":
        _start_with_first_request(app, jobs.runner)


def _start_with_first_request(app, runner) -> None:
    # Not at create_app: `trellis migrate` or `trellis check` must never send anything.
    @app.before_request
    def _start_jobs():
        runner.start()
