"""``trellis worker``: refuses politely without a broker, and as a real process runs the jobs an app queues."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import pytest
from automation_helpers import BROKER_ENV, Inbox, build_app, free_port, records_of, write_org
from trellis.automation import emails_for, tick


def cli(*args, env=None, cwd=None, **kw):
    return subprocess.run([sys.executable, "-m", "trellis.cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60, **kw)


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_worker_and_scheduler_say_a_broker_is_needed(command, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TRELLIS_BROKER_URL"}
    out = cli(command, env=env, cwd=tmp_path)
    assert out.returncode == 1
    assert "trellis: error: no broker configured: set TRELLIS_BROKER_URL" in out.stderr


@pytest.mark.celery
def test_a_worker_process_sends_the_email_an_app_queued(tmp_path):
    broker = os.environ.get(BROKER_ENV)
    if not broker:
        pytest.skip(f"Celery run skipped: set {BROKER_ENV}=redis://127.0.0.1:6379/15")
    controller = pytest.importorskip("aiosmtpd.controller")
    inbox, port = Inbox(), free_port()
    smtp = controller.Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    org = tmp_path / "org"
    write_org(org, {"automations/birthday.yaml": """
        automation: birthday_greeting
        entity: customer
        trigger: {date_field: birthday, every: year}
        actions:
          - email: {to: "email", subject: "Happy birthday, {{ name }}", body: "All the best"}
    """})
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org),
                "SMTP_URL": f"smtp://127.0.0.1:{port}", "BROKER_URL": broker, "PLUGINS": "contacts",
                "SECRET_KEY": "test-secret", "CELERY_QUEUE": f"trellis-{port}"}
    app = build_app({**settings, "PLUGINS": ["contacts"], "TESTING": True})
    from trellis.automation.celery_app import celery_for

    celery_for(app).control.purge()
    env = {**os.environ, **{f"TRELLIS_{k}": v for k, v in settings.items()}}
    worker = subprocess.Popen([sys.executable, "-m", "trellis.cli", "worker", "-c", "1", "-l", "WARNING"], env=env,
                              cwd=org, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ann = records_of(app).create("customer", {"name": "Ann", "email": "ann@example.com",
                                                  "birthday": date(1990, 3, 15)})
        tick(app, datetime(2026, 3, 15, 9, 0, tzinfo=UTC))
        deadline = time.monotonic() + 45
        while not inbox.messages and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        assert [m["Subject"] for m in inbox.messages] == ["Happy birthday, Ann"], worker.poll()
        time.sleep(0.5)
        assert emails_for(app, "customer", ann.id)[0]["status"] == "sent"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        smtp.stop()
    assert "Traceback" not in output, output



@pytest.mark.celery
def test_the_beat_tick_task_fires_time_triggers_on_the_worker(tmp_path):
    broker = os.environ.get(BROKER_ENV)
    if not broker:
        pytest.skip(f"Celery run skipped: set {BROKER_ENV}=redis://127.0.0.1:6379/15")
    from celery.contrib.testing.worker import start_worker
    from trellis.automation.celery_app import celery_for

    org = tmp_path / "org"
    write_org(org, {"automations/every_minute.yaml": """
        automation: every_minute
        entity: customer
        trigger: {schedule: "* * * * *"}
        actions:
          - create: {entity: task, set: {subject: "'Ping ' + name", customer: "id"}}
    """})
    app = build_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(org), "TESTING": True,
                     "PLUGINS": [], "BROKER_URL": broker, "CELERY_QUEUE": f"trellis-tick-{free_port()}"})
    svc = records_of(app)
    svc.create("customer", {"name": "Ann"})
    celery = celery_for(app)
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        celery.tasks["trellis.tick"].delay()
        deadline = time.monotonic() + 20
        while not svc.query("task").page(count=False).rows and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [t["subject"] for t in svc.query("task").page().rows] == ["Ping Ann"]
