"""The import page with the in-process job runner: the progress endpoint reaches "done" by itself."""

from __future__ import annotations

import io
import time

import pytest
from trellis.automation.jobs import jobs_of
from trellis.testing.web import post, signed_in_client


@pytest.fixture
def trellis_config(trellis_config):
    """Jobs run in the web process's own thread, as with `trellis serve`."""
    return {**trellis_config, "JOB_RUNNER": "thread"}


def test_the_progress_endpoint_reports_done_without_anyone_draining(app, svc):
    web = signed_in_client(app)
    rows = "".join(f"Person{i},p{i}@example.com\n" for i in range(30))
    data = {"file": (io.BytesIO(("Last name,Email\n" + rows).encode()), "people.csv")}
    mapping_url = post(web, "/app/contact/import", data, content_type="multipart/form-data").headers["Location"]
    post(web, mapping_url, {"map-0": "last_name", "map-1": "email"})
    post(web, mapping_url + "/run")
    deadline, progress = time.monotonic() + 20, {}
    while progress.get("status") != "done" and time.monotonic() < deadline:
        time.sleep(0.1)
        progress = web.get(mapping_url + "/progress").get_json()
    jobs_of(app).runner.stop()
    assert (progress["status"], progress["created"], progress["done"], progress["total"]) == ("done", 30, 30, 30)
    assert "30 created" in web.get(mapping_url + "/status").get_data(as_text=True)
