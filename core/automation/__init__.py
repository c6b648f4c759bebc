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

from trellis.lazy_exports import lazy_exports

# Imported on first use: the `trellis` command imports this package for its commands alone.
__getattr__ = lazy_exports(__name__, {"emails_for": "email", "drain": "jobs", "enqueue": "jobs",
                                      "job_status": "jobs", "register_job": "jobs", "recent_runs": "runs",
                                      "tick": "schedule"})

__all__ = ["drain", "emails_for", "enqueue", "init_app", "job_status", "recent_runs", "register_job", "tick"]

def init_app(app) -> None:
    """Add the engine's tables to the schema, its jobs and its runner; this turns on its record hooks (the
    built-in plugin ``trellis.automation``, :mod:`trellis.plugins.builtins.automation`)."""
    from trellis.automation import email, webhooks
    from trellis.automation.events import transition_actions
    from trellis.automation.jobs import Jobs, register_job
    from trellis.automation.runners import build_runner, runner_kind
    from trellis.automation.state import AutomationState
    from trellis.automation.tables import add_tables
    from trellis.runtime import runtime

    state = runtime(app)
    if state.schema is None:
        return
    tables = add_tables(state.schema.metadata)
    jobs = Jobs(app, tables.outbox)
    state.services["jobs"] = jobs
    state.services["automation"] = AutomationState(app, tables, jobs)
    register_job(app, email.EMAIL_JOB, email.send_job, failed=email.send_failed)
    register_job(app, webhooks.WEBHOOK_JOB, webhooks.send_job)
    state.services["transition_actions"] = transition_actions(app)
    kind = runner_kind(app.config)
    jobs.runner = build_runner(app, kind)
    if kind == "thread":
        _start_with_first_request(app, jobs.runner)


def _start_with_first_request(app, runner) -> None:
    # Not at create_app: `trellis migrate` or `trellis check` must never send anything.
    @app.before_request
    def _start_jobs():
        runner.start()
