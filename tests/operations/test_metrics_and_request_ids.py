"""``/metrics`` behind METRICS_TOKEN, JSON logs, and one request id from the save to the job it queued."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from trellis.testing.web import signed_in_client

AUTOMATION = """
automation: welcome
entity: customer
trigger: {on: create}
actions:
  - email: {to: "email", subject: "Welcome", body: "Hello"}
"""


@pytest.fixture
def trellis_config(trellis_config):
    metadata = Path(trellis_config["ORG_DIR"]) / "metadata"
    (metadata / "automations").mkdir(parents=True, exist_ok=True)
    (metadata / "automations" / "welcome.yaml").write_text(AUTOMATION, encoding="utf-8")
    trellis_config.update(METRICS_TOKEN="scrape-me", LOG_FORMAT="json", JOB_RUNNER="manual",
                          SMTP_URL="smtp://127.0.0.1:1", JOB_BACKOFF=0)
    return trellis_config


def test_metrics_need_the_token_and_count_requests_by_route_and_jobs(app, client, records):
    records.create("customer", {"name": "Ann", "email": "ann@example.com"})
    for n in range(3):
        client.get(f"/app/customer/{n + 1}")       # redirected to /login: still timed, by rule
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert 'trellis_request_seconds_count{method="GET",route="/app/<entity>/<int:record_id>",status="302"} 3.0' \
        in text
    assert 'trellis_jobs{status="pending"} 1.0' in text and "trellis_job_queue_depth 1.0" in text


def test_metrics_answer_404_without_the_setting(trellis_config):
    from trellis.app import create_app

    app = create_app({**trellis_config, "METRICS_TOKEN": None})
    assert app.test_client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_request_id_follows_a_save_into_its_job_s_log_lines(app, capfd):
    from trellis.automation import drain

    web = signed_in_client(app)
    token = web.get("/app/customer/new").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    answer = web.post("/app/customer/new", data={"name": "Ann", "email": "ann@example.com", "csrf_token": token},
                      headers={"X-Request-Id": "req-from-the-proxy-1"})
    assert answer.status_code == 302 and answer.headers["X-Request-Id"] == "req-from-the-proxy-1"
    assert web.get("/", headers={"X-Request-Id": "bad id; <script>"}).headers["X-Request-Id"] != "bad id; <script>"
    capfd.readouterr()
    drain(app)           # the email fails (nothing listens on port 1): logged as a retry, as JSON
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    retried = [entry for entry in lines if entry["logger"] == "trellis.jobs"]
    assert retried and retried[0]["level"] == "WARNING", lines
    assert {entry["request_id"] for entry in retried} == {"req-from-the-proxy-1"}
    assert logging.getLogger("trellis.jobs").getEffectiveLevel() <= logging.WARNING
