"""The Celery runner (``TRELLIS_BROKER_URL`` set): one Celery app per Flask app, two tasks.

- ``trellis.run_job(job_id)`` runs one outbox job (:func:`trellis.automation.jobs.run_job`);
  a failure reschedules the row and sends the task again with the back-off as countdown;
- ``trellis.tick()`` runs the scheduler and re-sends any due job a lost message left
  behind; ``trellis scheduler`` (Celery beat) sends it every minute.

Tasks call back into the Flask app they were built for: ``trellis worker`` builds
it with ``create_app()`` from the environment, like the web processes.
"""

from __future__ import annotations

import logging

log = logging.getLogger("trellis.jobs")


def celery_for(app):
    """The Celery app of ``app`` (built once, kept in ``runtime(app).celery``)."""
    from celery import Celery
    from celery.schedules import crontab
    from trellis.runtime import runtime

    state = runtime(app)
    if state.has("celery"):
        return state.celery
    celery = Celery("trellis", broker=app.config["BROKER_URL"], set_as_current=False)
    celery.conf.update(
        task_ignore_result=True,
        task_acks_late=True,                 # a worker that dies mid-job leaves the message for another
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule={"trellis-tick": {"task": "trellis.tick", "schedule": crontab()}},  # at every minute's start
        timezone="UTC",
        task_default_queue=queue_name(app),
    )

    @celery.task(name="trellis.run_job", shared=False)
    def run_job_task(job_id: int) -> str | None:
        from trellis.automation.jobs import run_job

        return run_job(app, job_id)

    @celery.task(name="trellis.tick", shared=False)
    def tick_task() -> int:
        from trellis.automation.jobs import due_jobs
        from trellis.automation.schedule import tick

        fired = tick(app)
        for job_id in due_jobs(app):
            run_job_task.delay(job_id)
        return len(fired)

    state.celery = celery
    return celery


def queue_name(app) -> str:
    """The Celery queue: ``CELERY_QUEUE`` in the config, else ``TRELLIS_CELERY_QUEUE``, else ``trellis``.

    Separate queues let several Trellis installations (or test runs) share one broker.
    """
    import os

    return str(app.config.get("CELERY_QUEUE") or os.environ.get("TRELLIS_CELERY_QUEUE") or "trellis")


class CeleryRunner:
    """Hands each queued job to Celery as ``trellis.run_job`` (with the back-off as countdown)."""

    def __init__(self, app):
        self.app = app

    def notify(self, new) -> None:
        """Send one task per ``(job_id, delay)``."""
        task = celery_for(self.app).tasks["trellis.run_job"]
        for job_id, delay in new:
            # A countdown makes an ETA task, which the worker holds back: only retries need one.
            if delay and float(delay) > 0:
                task.apply_async((job_id,), countdown=float(delay))
            else:
                task.apply_async((job_id,))

    def start(self) -> None:
        """Nothing to start here: ``trellis worker`` runs the tasks."""
