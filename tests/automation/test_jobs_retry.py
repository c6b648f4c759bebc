"""Background jobs: webhooks and emails sent after commit, retried with back-off, failures recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from automation_helpers import build_app, free_port, records_of, write_org
from trellis import ValidationError
from trellis.automation import drain, emails_for, enqueue, job_status, recent_runs, register_job
from trellis.automation.jobs import jobs_of
from trellis.automation.tables import utcnow


class Receiver:
    """A local HTTP server answering POSTs with the statuses in ``answers`` (the last one repeats)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver([500, 200])
    yield r
    r.close()


def webhook_app(org, base_config, worker, url, blocking=False, extra_action=""):
    write_org(org, {"automations/hook.yaml": f"""
        automation: big_deal_hook
        entity: customer
        blocking: {str(blocking).lower()}
        trigger: {{on: [create]}}
        when: "amount is not None and amount > 10000"
        actions:
          - webhook: {{url: "{url}", fields: [name, amount]}}
          {extra_action}
    """})
    # The receiver is on 127.0.0.1, which the egress policy refuses unless allowed.
    return worker.attach(build_app({"WEBHOOK_ALLOW_PRIVATE": True, **base_config}))


def settle_all(worker, app):
    """Run jobs until none is left, letting back-off time pass (far-future ``now`` for the in-process runner)."""
    for hours in range(1, 12):
        worker.settle(app, now=utcnow() + timedelta(hours=hours), timeout=30)


def test_a_webhook_is_retried_after_a_server_error_and_then_delivered(org, base_config, worker, receiver):
    app = webhook_app(org, base_config, worker, receiver.url)
    deal = records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    assert len(receiver.requests) == 2
    body = json.loads(receiver.requests[-1][1])
    assert (body["entity"], body["id"], body["record"]["name"]) == ("customer", deal.id, "Big")


def test_a_webhook_carries_a_signature_of_its_timestamp_and_body(org, base_config, worker, receiver):
    # Keyed with WEBHOOK_SECRET, not SECRET_KEY (security round 2, finding 7).
    app = webhook_app(org, {**base_config, "WEBHOOK_SECRET": "hook-secret"}, worker, receiver.url)
    records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    headers, body = receiver.requests[-1]
    expected = hmac.new(b"hook-secret", headers["X-Trellis-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Trellis-Signature"] == "sha256=" + expected.hexdigest()


def test_nothing_is_sent_for_a_save_that_was_refused(org, base_config, worker, receiver):
    broken = '- create: {entity: task, set: {customer: "id"}}'
    app = webhook_app(org, base_config, worker, receiver.url, blocking=True, extra_action=broken)
    with pytest.raises(ValidationError):
        records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    assert receiver.requests == []


def test_an_email_that_cannot_be_sent_is_retried_then_marked_failed(org, base_config, worker):
    write_org(org, {"automations/welcome.yaml": """
        automation: welcome_mail
        entity: customer
        trigger: {on: [create]}
        actions:
          - email: {to: "email", subject: "Welcome {{ name }}", body: "Hello {{ name }}"}
    """})
    app = worker.attach(build_app({**base_config, "SMTP_URL": f"smtp://127.0.0.1:{free_port()}"}))
    ann = records_of(app).create("customer", {"name": "Ann", "email": "ann@example.com"})
    settle_all(worker, app)
    [logged] = emails_for(app, "customer", ann.id)
    assert (logged["subject"], logged["status"]) == ("Welcome Ann", "failed")
    assert "Connection" in logged["error"] or "refused" in logged["error"]
    job = job_status(app, logged["job_id"])
    assert (job["status"], job["attempts"]) == ("failed", 5)
    assert recent_runs(app)[0].outcome == "ok"        # the automation did its part: it queued the email


@pytest.mark.parametrize("runner", ["inprocess"], indirect=True)
def test_a_queued_job_waits_for_its_delay(org, base_config):
    write_org(org, {})
    app = build_app(base_config)
    seen = []
    register_job(app, "remember", lambda app, payload: seen.append(payload["n"]))
    enqueue(app, "remember", {"n": 1})
    enqueue(app, "remember", {"n": 2}, delay=3600)
    drain(app)
    assert seen == [1]
    drain(app, utcnow() + timedelta(hours=2))
    assert seen == [1, 2]


@pytest.mark.parametrize("runner", ["inprocess"], indirect=True)
def test_the_last_failure_calls_the_jobs_failure_handler_once(org, base_config):
    write_org(org, {})
    app = build_app(base_config)
    failures = []

    def broken(app, payload):
        raise RuntimeError("no luck")

    register_job(app, "broken", broken, max_attempts=2, failed=lambda app, payload, error: failures.append(error))
    job_id = enqueue(app, "broken", {})
    drain(app)
    assert job_status(app, job_id)["status"] == "pending" and failures == []
    drain(app, utcnow() + timedelta(hours=1))
    assert job_status(app, job_id)["status"] == "failed"
    assert failures == ["RuntimeError: no luck"]


@pytest.mark.parametrize("runner", ["inprocess"], indirect=True)
def test_the_thread_runner_runs_jobs_without_being_asked(org, base_config):
    write_org(org, {})
    app = build_app({**base_config, "JOB_RUNNER": "thread"})
    seen = []
    register_job(app, "remember", lambda app, payload: seen.append(payload["n"]))
    enqueue(app, "remember", {"n": 7})
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    jobs_of(app).runner.stop()
    assert seen == [7]


def test_the_automation_world_builds_an_app_with_the_engine_tables(org, base_config):
    write_org(org, {})
    app = build_app(base_config)
    from sqlalchemy import inspect
    from trellis.data.database import db

    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
    assert {"trellis_automation_run", "trellis_automation_fired", "trellis_outbox", "trellis_email_log"} <= names
