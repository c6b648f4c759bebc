"""The Celery runner (``TRELLIS_BROKER_URL`` set): one Celery app per Flask app, two tasks.

- ``trellis.run_job(job_id)`` runs one outbox job (:func:`trellis.automation.jobs.run_job`);
  a failure reschedules the row and sends the task again with the back-off as countdown;
  a message that finds the job claimed by a worker comes back when that claim's lease
  runs out (the worker was killed) and is dropped once the job is done;
- ``trellis.tick()`` runs the scheduler (every minute missed since the last tick too)
  and re-sends any due job a lost message left behind; ``trellis scheduler`` (Celery
  beat) sends it every minute.

Messages are acknowledged after the job ran (``acks_late``) and given back when the
worker process dies (``reject_on_worker_lost``); on Redis a message a dead worker held
is delivered again after ``JOB_VISIBILITY_TIMEOUT`` seconds. Sending never makes a
save wait on a broker that is down: the job stays in the outbox, :class:`CeleryRunner`
logs one WARNING for the outage and sends the held jobs once the broker answers.

Tasks call back into the Flask app they were built for: ``trellis worker`` builds
it with ``create_app()`` from the environment, like the web processes.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("trellis.jobs")

RETRY_SECONDS = 5.0   # how often held jobs are offered to a broker that was down


def celery_for(app):
    """The Celery app of ``app`` (built once, kept in ``runtime(app).celery``)."""
    from celery import Celery
    from celery.schedules import crontab
    from trellis.runtime import runtime

    state = runtime(app)
    if state.has("celery"):
        return state.celery
    celery = Celery("trellis", broker=app.config["BROKER_URL"], set_as_current=False)
    connect = float(app.config.get("BROKER_CONNECT_TIMEOUT") or 1.0)
    celery.conf.update(
        task_ignore_result=True,
        task_acks_late=True,                 # a worker that dies mid-job leaves the message for another
        task_reject_on_worker_lost=True,     # ... and so does a pool process that was killed
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=connect,
        broker_transport_options={"visibility_timeout": float(app.config.get("JOB_VISIBILITY_TIMEOUT") or 30.0),
                                  "socket_connect_timeout": connect,
                                  "max_retries": 0},   # a publish tries the broker once, not for seconds
        task_publish_retry=False,            # the outbox keeps the job; CeleryRunner sends it again
        beat_schedule={"trellis-tick": {"task": "trellis.tick", "schedule": crontab()}},  # at every minute's start
        timezone="UTC",
        task_default_queue=queue_name(app),
    )

    @celery.task(name="trellis.run_job", shared=False)
    def run_job_task(job_id: int) -> str | None:
        from trellis.automation.jobs import lease_left, run_job

        outcome = run_job(app, job_id)
        if outcome is None:
            wait = lease_left(app, job_id)
            if wait is not None:   # claimed by a worker that may have died: look again when its lease ends
                run_job_task.apply_async((job_id,), countdown=wait + 0.5)
        return outcome

    @celery.task(name="trellis.tick", shared=False)
    def tick_task() -> int:
        from trellis.automation.jobs import due_jobs
        from trellis.automation.schedule import tick_missed

        fired = tick_missed(app)
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
    """Hands each queued job to Celery as ``trellis.run_job`` (with the back-off as countdown).

    When the broker cannot be reached the jobs are held (they are safe in the outbox),
    one WARNING says so, and a daemon thread offers them again every
    :data:`RETRY_SECONDS` until the broker answers; meanwhile saves do not try at all.
    """

    def __init__(self, app):
        self.app = app
        self._held: list[tuple[int, float]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.retry_seconds = RETRY_SECONDS

    @property
    def broker_down(self) -> bool:
        """Whether jobs are being held because the broker did not answer."""
        return bool(self._held) or (self._thread is not None and self._thread.is_alive())

    def notify(self, new) -> None:
        """Send one task per ``(job_id, delay)``; hold them when the broker is down."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._held.extend(new)     # an outage is on: don't make this save wait for a timeout
                return
        try:
            self._send(new)
        except Exception as error:  # kombu's and redis' connection errors share no base class but Exception
            log.warning("the job broker cannot be reached (%s: %s): %d job(s) wait in the outbox and are sent "
                        "when it is back", type(error).__name__, error, len(new))
            with self._lock:
                self._held.extend(new)
                self._thread = threading.Thread(target=self._resend, name="trellis-broker-retry", daemon=True)
                self._thread.start()

    def _send(self, new) -> None:
        task = celery_for(self.app).tasks["trellis.run_job"]
        for job_id, delay in new:
            # A countdown makes an ETA task, which the worker holds back: only retries need one.
            if delay and float(delay) > 0:
                task.apply_async((job_id,), countdown=float(delay), retry=False)
            else:
                task.apply_async((job_id,), retry=False)

    def _resend(self) -> None:
        import time

        while True:
            time.sleep(self.retry_seconds)
            with self._lock:
                held, self._held = self._held, []
            try:
                self._send(held)
            except Exception:  # still down: keep them, say nothing more
                with self._lock:
                    self._held[:0] = held
                continue
            with self._lock:
                if self._held:
                    continue
                self._thread = None
            log.info("the job broker answers again: sent %d held job(s)", len(held))
            return

    def start(self) -> None:
        """Nothing to start here: ``trellis worker`` runs the tasks."""
