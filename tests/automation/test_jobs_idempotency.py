"""``enqueue(..., key=...)``: the same key queued twice runs once, with the in-process runner and with Celery."""

from __future__ import annotations

import pytest
from automation_helpers import build_app
from trellis.automation import enqueue, job_status, register_job


@pytest.fixture
def counting_app(base_config, worker):
    app = build_app(base_config)
    runs = []
    register_job(app, "count", lambda app, payload: runs.append(payload["n"]))
    worker.attach(app)
    app.runs = runs
    return app


def test_the_same_key_queued_twice_runs_once(counting_app, worker):
    first = enqueue(counting_app, "count", {"n": 1}, key="invoice-42-reminder")
    second = enqueue(counting_app, "count", {"n": 2}, key="invoice-42-reminder")
    worker.settle(counting_app)
    assert second == first
    assert counting_app.runs == [1]
    assert job_status(counting_app, first)["status"] == "done"


def test_a_key_of_a_job_that_already_ran_queues_nothing_more(counting_app, worker):
    first = enqueue(counting_app, "count", {"n": 1}, key="welcome-ann")
    worker.settle(counting_app)
    assert enqueue(counting_app, "count", {"n": 2}, key="welcome-ann") == first
    worker.settle(counting_app)
    assert counting_app.runs == [1]


def test_different_keys_and_no_key_each_run(counting_app, worker):
    enqueue(counting_app, "count", {"n": 1}, key="a")
    enqueue(counting_app, "count", {"n": 2}, key="b")
    enqueue(counting_app, "count", {"n": 3})
    enqueue(counting_app, "count", {"n": 4})
    worker.settle(counting_app)
    assert sorted(counting_app.runs) == [1, 2, 3, 4]


@pytest.mark.parametrize("key", ["", "x" * 201, 42])
def test_a_bad_key_is_refused_and_queues_nothing(counting_app, worker, key):
    with pytest.raises(ValueError, match="1 to 200 characters"):
        enqueue(counting_app, "count", {"n": 1}, key=key)
    worker.settle(counting_app)
    assert counting_app.runs == []
