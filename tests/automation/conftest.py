"""Fixtures of the automation tests: an empty organisation folder, settings for an app on it, the
job runner (in-process, and a real Celery worker with ``TRELLIS_TEST_BROKER``), a worker that runs
the jobs and a real SMTP server. The plain helpers are in :mod:`automation_helpers`."""

from __future__ import annotations

import os
import uuid

import pytest
from automation_helpers import BROKER_ENV, Inbox, Worker, free_port


@pytest.fixture(params=["inprocess", pytest.param("celery", marks=pytest.mark.celery)])
def runner(request):
    """Which job runner the test uses; the Celery run is skipped (with the reason) without a broker."""
    if request.param == "celery":
        if not os.environ.get(BROKER_ENV):
            pytest.skip(f"Celery run skipped: set {BROKER_ENV}=redis://127.0.0.1:6379/15")
        pytest.importorskip("celery")
    return request.param


@pytest.fixture
def org(tmp_path):
    """An empty organisation folder."""
    folder = tmp_path / "org"
    (folder / "metadata").mkdir(parents=True)
    return folder


@pytest.fixture
def base_config(db_url, org, runner):
    """Settings for an app on ``db_url`` in ``org``, with no installed plugins and the chosen runner."""
    config = {"DATABASE_URL": db_url, "ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "test-secret",
              "PLUGINS": [], "JOB_BACKOFF": 0.2}
    if runner == "celery":
        config.update(BROKER_URL=os.environ[BROKER_ENV], JOB_RUNNER="celery",
                      CELERY_QUEUE=f"trellis-test-{uuid.uuid4().hex[:12]}")
    else:
        config["JOB_RUNNER"] = "manual"
    return config


@pytest.fixture
def worker(runner):
    """The :class:`Worker` for this test's runner."""
    w = Worker(runner)
    yield w
    w.close()


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); ``smtp.url`` for TRELLIS_SMTP_URL, ``smtp.messages``."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    inbox = Inbox()
    port = free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}?from=crm@example.com"
    yield inbox
    controller.stop()
