"""Jobs never reach a runner before the save commits, a killed worker's job runs once, missed ticks are caught up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from automation_helpers import BROKER_ENV, build_app, free_port, records_of, write_org
from sqlalchemy import select
from trellis.automation import emails_for
from trellis.automation.jobs import jobs_of
from trellis.automation.state import automation_state
from trellis.data.database import db

EMAIL_ON_CREATE = {"automations/welcome.yaml": """
    automation: welcome
    entity: customer
    trigger: {on: create}
    actions:
      - email: {to: "email", subject: "Welcome, {{ name }}", body: "Hello"}
"""}


def _outbox_rows(app):
    outbox = automation_state(app).tables.outbox
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(select(outbox)).all()


class SeeingRunner:
    """A runner that looks, from a connection of its own, whether each job it is told about exists yet."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def notify(self, new) -> None:
        ids = {row.id for row in _outbox_rows(self.app)}
        self.seen.extend((job_id, job_id in ids) for job_id, _ in new)

    def start(self) -> None:
        pass


def test_a_job_queued_by_an_automation_reaches_the_runner_after_the_outermost_commit(tmp_path):
    org = tmp_path / "org"
    write_org(org, EMAIL_ON_CREATE)
    app = build_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org), "TESTING": True,
                     "PLUGINS": [], "SMTP_URL": "smtp://127.0.0.1:1", "JOB_RUNNER": "manual"})
    runner = jobs_of(app).runner = SeeingRunner(app)
    records_of(app).create("customer", {"name": "Ann", "email": "ann@example.com"})
    # The automation's SAVEPOINT is released before the save commits: telling the runner
    # then would send a worker after a row it cannot see yet.
    assert len(runner.seen) == 1 and runner.seen[0][1] is True, runner.seen


def test_a_job_of_a_rolled_back_save_never_reaches_the_runner(tmp_path):
    org = tmp_path / "org"
    write_org(org, {**EMAIL_ON_CREATE, "automations/refuse.yaml": """
        automation: refuse
        entity: customer
        trigger: {on: create}
        blocking: true
        actions:
          - set: {amount: "1 / 0"}
    """})
    app = build_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org), "TESTING": True,
                     "PLUGINS": [], "SMTP_URL": "smtp://127.0.0.1:1", "JOB_RUNNER": "manual"})
    runner = jobs_of(app).runner = SeeingRunner(app)
    with pytest.raises(Exception):
        records_of(app).create("customer", {"name": "Ann", "email": "ann@example.com"})
    assert runner.seen == [] and _outbox_rows(app) == []


def test_missed_scheduler_minutes_are_caught_up_once(tmp_path):
    from trellis.automation.schedule import tick_missed

    org = tmp_path / "org"
    write_org(org, {"automations/nine.yaml": """
        automation: at_nine
        entity: customer
        trigger: {schedule: "0 9 * * *"}
        actions:
          - create: {entity: task, set: {subject: "'Call ' + name", customer: "id"}}
    """})
    app = build_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org), "TESTING": True,
                     "PLUGINS": [], "JOB_RUNNER": "manual"})
    svc = records_of(app)
    svc.create("customer", {"name": "Ann"})
    tick_missed(app, datetime(2026, 3, 15, 8, 58, tzinfo=UTC))
    # The 8:59, 9:00 and 9:01 ticks were lost (beat stopped, broker down): the 9:02 one does their work.
    fired = tick_missed(app, datetime(2026, 3, 15, 9, 2, 30, tzinfo=UTC))
    assert [(f.automation, f.occurrence) for f in fired] == [("at_nine", "2026-03-15T09:00")]
    assert tick_missed(app, datetime(2026, 3, 15, 9, 2, 50, tzinfo=UTC)) == []
    tick_missed(app, datetime(2026, 3, 15, 9, 0, tzinfo=UTC))   # a late, older tick changes nothing
    assert [t["subject"] for t in svc.query("task").page().rows] == ["Call Ann"]


def _broker():
    broker = os.environ.get(BROKER_ENV)
    if not broker:
        pytest.skip(f"Celery run skipped: set {BROKER_ENV}=redis://127.0.0.1:6379/15")
    pytest.importorskip("celery")
    return broker


@pytest.mark.celery
def test_a_save_s_job_runs_within_two_seconds_with_no_scheduler(tmp_path, smtp):
    from celery.contrib.testing.worker import start_worker
    from trellis.automation.celery_app import celery_for

    broker = _broker()
    org = tmp_path / "org"
    write_org(org, EMAIL_ON_CREATE)
    app = build_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org), "TESTING": True,
                     "PLUGINS": [], "SMTP_URL": smtp.url, "BROKER_URL": broker, "JOB_RUNNER": "celery",
                     "CELERY_QUEUE": f"trellis-2s-{free_port()}"})
    celery = celery_for(app)
    svc = records_of(app)
    late = []
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        for n in range(5):
            ann = svc.create("customer", {"name": f"Ann {n}", "email": f"ann{n}@example.com"})
            saved = time.monotonic()
            while emails_for(app, "customer", ann.id)[0]["status"] != "sent" and time.monotonic() - saved < 10:
                time.sleep(0.02)
            late.append(time.monotonic() - saved)
    celery.control.purge()
    assert max(late) < 2.0, late
    assert sorted(m["Subject"] for m in smtp.messages) == [f"Welcome, Ann {n}" for n in range(5)]


class HangingInbox:
    """An SMTP handler that stalls the first message (its sender is killed meanwhile) and keeps the others."""

    def __init__(self):
        self.messages, self.arrived = [], 0

    async def handle_DATA(self, server, session, envelope):
        self.arrived += 1
        if self.arrived == 1:
            await asyncio.sleep(60)   # never answered: the worker sending it is killed
        self.messages.append(envelope.content)
        return "250 OK"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.celery
def test_a_job_whose_worker_process_was_killed_runs_again_and_once(tmp_path):
    controller = pytest.importorskip("aiosmtpd.controller")
    broker = _broker()
    inbox, port = HangingInbox(), free_port()
    smtp = controller.Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    org = tmp_path / "org"
    write_org(org, EMAIL_ON_CREATE)
    # contacts only (an empty TRELLIS_PLUGINS means every installed plugin, whose `task` would clash with the world's)
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org), "PLUGINS": "contacts",
                "SMTP_URL": f"smtp://127.0.0.1:{port}", "BROKER_URL": broker, "SECRET_KEY": "test-secret",
                "CELERY_QUEUE": f"trellis-kill-{port}", "JOB_LEASE": "2", "JOB_VISIBILITY_TIMEOUT": "5"}
    app = build_app({**settings, "PLUGINS": ["contacts"], "TESTING": True})
    from trellis.automation.celery_app import celery_for

    celery_for(app).control.purge()
    env = {**os.environ, **{f"TRELLIS_{k}": v for k, v in settings.items()}}
    worker = subprocess.Popen([sys.executable, "-m", "trellis.cli", "worker", "-c", "1", "-l", "WARNING"], env=env,
                              cwd=org, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ann = records_of(app).create("customer", {"name": "Ann", "email": "ann@example.com"})
        deadline = time.monotonic() + 30
        while inbox.arrived == 0 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert inbox.arrived == 1, worker.poll()
        killed = time.monotonic()
        for child in _children(worker.pid):   # the pool process running the job, mid-send
            os.kill(child, signal.SIGKILL)
        while not inbox.messages and time.monotonic() - killed < 45 and worker.poll() is None:
            time.sleep(0.1)
        redelivered = time.monotonic() - killed
        time.sleep(1.0)   # time for a second, wrong delivery to show up
        assert len(inbox.messages) == 1 and redelivered < 60, (redelivered, worker.poll())
        [row] = _outbox_rows(app)
        assert (row.status, row.attempts) == ("done", 2)
        assert emails_for(app, "customer", ann.id)[0]["status"] == "sent"
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
        celery_for(app).control.purge()
        smtp.stop()


@pytest.mark.celery
def test_a_save_does_not_wait_on_a_broker_that_is_down_and_its_job_is_sent_when_it_is_back(tmp_path, smtp, caplog):
    import logging

    from celery.contrib.testing.worker import start_worker
    from trellis.automation.celery_app import celery_for
    from trellis.testing.tcp_proxy import Proxy

    real = _broker()
    host_port, _, database = real.removeprefix("redis://").partition("/")
    host, _, port = host_port.partition(":")
    proxy_port = free_port()
    org = tmp_path / "org"
    write_org(org, EMAIL_ON_CREATE)
    app = build_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org), "TESTING": True,
                     "PLUGINS": [], "SMTP_URL": smtp.url, "JOB_RUNNER": "celery",
                     "BROKER_URL": f"redis://127.0.0.1:{proxy_port}/{database or 0}",
                     "CELERY_QUEUE": f"trellis-down-{proxy_port}"})
    runner = jobs_of(app).runner
    runner.retry_seconds = 0.2
    svc = records_of(app)
    took = []
    with caplog.at_level(logging.WARNING, logger="trellis"):
        for n in range(4):                      # nothing listens on the broker's port
            started = time.monotonic()
            svc.create("customer", {"name": f"Ann {n}", "email": f"ann{n}@example.com"})
            took.append(time.monotonic() - started)
        assert runner.broker_down
        proxy = Proxy(proxy_port, (host or "127.0.0.1", int(port or 6379))).start()
        try:
            celery = celery_for(app)
            with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
                deadline = time.monotonic() + 20
                while len(smtp.messages) < 4 and time.monotonic() < deadline:
                    time.sleep(0.05)
            celery.control.purge()
        finally:
            proxy.stop()
    assert sorted(m["Subject"] for m in smtp.messages) == [f"Welcome, Ann {n}" for n in range(4)]
    assert max(took) < 1.5 and sum(took[1:]) < 1.0, took     # the first save meets the connect timeout at most
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "broker cannot be reached" in warnings[0].getMessage(), warnings
    assert not any(r.exc_info for r in caplog.records)
    assert not runner.broker_down
