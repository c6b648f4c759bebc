"""Who runs queued jobs and scheduler ticks: a thread in the web process, Celery, or the test (``manual``).

Every runner has ``notify(new)`` (``new``: ``[(job_id, delay_seconds)]``, called after
the transaction that queued them committed) and ``start()``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from trellis.automation.tables import utcnow

log = logging.getLogger("trellis.jobs")

POLL_SECONDS = 5.0   # how often the thread looks for retries that became due


def runner_kind(config) -> str:
    """``JOB_RUNNER`` if set, else ``celery`` with a broker, ``manual`` under TESTING, else ``thread``."""
    kind = config.get("JOB_RUNNER")
    if kind:
        if kind not in ("thread", "celery", "manual"):
            raise ValueError(f"JOB_RUNNER must be thread, celery or manual, not {kind!r}")
        return kind
    if config.get("BROKER_URL"):
        return "celery"
    return "manual" if config.get("TESTING") else "thread"


class ManualRunner:
    """Runs nothing by itself: tests call ``trellis.automation.drain(app)`` and ``tick(app, now)``."""

    def notify(self, new) -> None:
        """Nothing to do: the outbox row waits for ``drain``."""

    def start(self) -> None:
        """Nothing to start."""


class ThreadRunner:
    """A daemon thread that drains the outbox and ticks the scheduler once a minute.

    Started by the first request the app serves (not at ``create_app``, so that
    ``trellis migrate`` or ``trellis check`` never send an email). With several web
    processes each runs one; claims and the fired table keep the work done once.
    """

    def __init__(self, app, scheduler: bool = True):
        self.app = app
        self.scheduler = scheduler
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_minute: datetime | None = None
        self._stopping = False

    def notify(self, new) -> None:
        """Wake the thread (starting it if needed)."""
        self.start()
        self._wake.set()

    def start(self) -> None:
        """Start the thread once."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="trellis-jobs", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish after its current job, and wait for it."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        from trellis.automation.jobs import drain
        from trellis.automation.schedule import tick_missed

        while not self._stopping:
            try:
                drain(self.app)
                minute = utcnow().replace(second=0, microsecond=0)
                if self.scheduler and minute != self._last_minute:
                    self._last_minute = minute
                    tick_missed(self.app, minute)
                    drain(self.app)
            except Exception:  # keep the thread alive; the failure is in the log and the outbox
                log.exception("the in-process job runner hit an error")
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()


def build_runner(app, kind: str):
    """The runner for ``kind`` (see :func:`runner_kind`)."""
    if kind == "celery":
        from trellis.automation.celery_app import CeleryRunner

        return CeleryRunner(app)
    if kind == "thread":
        return ThreadRunner(app)
    return ManualRunner()
