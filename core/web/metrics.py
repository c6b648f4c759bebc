"""Prometheus metrics at ``/metrics`` (prometheus-client), answered only when ``METRICS_TOKEN`` is set.

- ``trellis_request_seconds{route, method, status}``: request latency, by URL rule (not by
  path, so a million records make no million series);
- ``trellis_jobs{status}``: outbox jobs by status (pending, running, done, failed), read
  from the database at scrape time, so every worker's work counts wherever it ran;
- ``trellis_job_queue_depth``: jobs pending and due now.

A scraper sends ``Authorization: Bearer <METRICS_TOKEN>``; without the setting the URL
answers 404. Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an
empty folder) so the latency histogram adds up every process.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Response, abort, current_app, g, request

bp = Blueprint("metrics", __name__)
_KEY = "trellis_metrics"


class _Metrics:
    """One app's registry and latency histogram."""

    def __init__(self, app):
        from prometheus_client import CollectorRegistry, Histogram

        self.registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry)
            self.latency = Histogram("trellis_request_seconds", "request latency by route",
                                     ["route", "method", "status"])
        else:
            self.latency = Histogram("trellis_request_seconds", "request latency by route",
                                     ["route", "method", "status"], registry=self.registry)
        self.registry.register(_JobCollector(app))


class _JobCollector:
    """Outbox counts at scrape time."""

    def __init__(self, app):
        self.app = app

    def describe(self):
        """Nothing at registration: the database is read only when scraped."""
        return []

    def collect(self):
        """``trellis_jobs{status}`` and ``trellis_job_queue_depth`` from the outbox."""
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select
        from trellis.automation.jobs import jobs_of
        from trellis.automation.tables import utcnow
        from trellis.data.database import db

        outbox = jobs_of(self.app).outbox
        with self.app.app_context(), db.engine.connect() as connection:
            counts = dict(connection.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all())
            due = connection.execute(select(func.count()).where(outbox.c.status == "pending",
                                                                outbox.c.run_at <= utcnow())).scalar()
        jobs = GaugeMetricFamily("trellis_jobs", "background jobs by status", labels=["status"])
        for status in ("pending", "running", "done", "failed"):
            jobs.add_metric([status], counts.get(status, 0))
        yield jobs
        yield GaugeMetricFamily("trellis_job_queue_depth", "jobs pending and due now", value=due)


def _start() -> None:
    g.trellis_started = time.perf_counter()


def _observe(response):
    started = g.get("trellis_started")
    metrics = current_app.extensions.get(_KEY)
    if started is not None and metrics is not None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.latency.labels(route, request.method, str(response.status_code)).observe(
            time.perf_counter() - started)
    return response


@bp.get("/metrics")
def metrics_page():
    """The metrics in Prometheus' text format, for a scraper holding ``METRICS_TOKEN``."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    token = str(current_app.config.get("METRICS_TOKEN") or "")
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token:
        abort(404)
    if not hmac.compare_digest(offered.encode(), token.encode()):
        return Response("a Bearer token (METRICS_TOKEN) is needed\n", 401, {"WWW-Authenticate": "Bearer"},
                        mimetype="text/plain")
    return Response(generate_latest(current_app.extensions[_KEY].registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app) -> None:
    """Time every request and serve ``/metrics`` when ``METRICS_TOKEN`` is set."""
    if not app.config.get("METRICS_TOKEN"):
        return
    app.extensions[_KEY] = _Metrics(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_observe)
    app.register_blueprint(bp)
