"""A small world for the automation tests: an organisation folder of YAML, an app on it, the job runners.

The fixtures (``org``, ``base_config``, ``runner``, ``worker``, ``smtp``) are in this folder's
``conftest.py``; test modules import the plain helpers from here. The runner fixture runs
each sending test twice: with the in-process runner (jobs run when the test calls ``settle``)
and, when ``TRELLIS_TEST_BROKER`` is set, with a real Celery worker on that broker (marker
``celery``).
"""

from __future__ import annotations

import textwrap
import time

from trellis.app import create_app
from trellis.data.database import db

BROKER_ENV = "TRELLIS_TEST_BROKER"

ENTITIES = {
    "entities/customer.yaml": """
        entity: customer
        title: name
        fields:
          name:     {type: string, required: true}
          email:    {type: email}
          amount:   {type: decimal}
          note:     {type: string}
          level:    {type: selection, options: [bronze, gold]}
          owner:    {type: user}
          birthday: {type: date}
          follow_up: {type: datetime}
    """,
    "entities/task.yaml": """
        entity: task
        title: subject
        fields:
          subject:  {type: string, required: true}
          customer: {type: link, to: customer, on_delete: cascade}
    """,
}


def write_org(org, files: dict[str, str]) -> None:
    """Write ``files`` (path under metadata/ -> YAML text, dedented) into the organisation folder ``org``."""
    for relative, text in {**ENTITIES, **files}.items():
        path = org / "metadata" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def build_app(config: dict, migrate: bool = True):
    """``create_app(config)``, with its tables created."""
    from trellis.data.migrate import upgrade

    app = create_app(config)
    if migrate:
        upgrade(app)
    return app


def records_of(app):
    """The system record service of ``app``."""
    from trellis.data.records import records_for

    return records_for(app, None, "ui")


class Worker:
    """Runs an app's jobs: ``drain`` for the in-process runner, a Celery worker thread otherwise."""

    def __init__(self, runner: str):
        self.runner = runner
        self._contexts = []

    def attach(self, app):
        """Start a Celery worker for ``app`` (in a thread, on the real broker); nothing for in-process."""
        if self.runner != "celery":
            return app
        from celery.contrib.testing.worker import start_worker
        from trellis.automation.celery_app import celery_for

        celery = celery_for(app)
        context = start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10)
        context.__enter__()
        self._contexts.append((context, celery))
        return app

    def settle(self, app, now=None, timeout: float = 20.0) -> None:
        """Run (or wait for) every job due at ``now``; with Celery, until none is pending or running."""
        from trellis.automation import drain

        if self.runner != "celery":
            drain(app, now)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not busy_jobs(app, now):
                return
            time.sleep(0.1)
        raise AssertionError(f"jobs still busy after {timeout}s: {busy_jobs(app, now)}")

    def close(self):
        """Stop the Celery workers."""
        for context, celery in reversed(self._contexts):
            context.__exit__(None, None, None)
            celery.control.purge()      # leave no messages of this test's queue on the shared broker
        self._contexts.clear()


def busy_jobs(app, now=None) -> list:
    """Outbox rows that are running, or pending and due by ``now``."""
    from sqlalchemy import select
    from trellis.automation.state import automation_state
    from trellis.automation.tables import utc, utcnow

    now = utc(now) if now else utcnow()
    outbox = automation_state(app).tables.outbox
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.id, outbox.c.status, outbox.c.run_at)
                                  .where(outbox.c.status.in_(["pending", "running"]))).all()
    return [r for r in rows if r.status == "running" or utc(r.run_at) <= now]


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
