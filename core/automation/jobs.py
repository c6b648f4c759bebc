"""Background jobs: one interface (``enqueue``), jobs registered by name, an outbox table, retries.

A job is queued by writing a row to ``trellis_outbox``. Inside a write (an
automation reacting to a save) the row joins the write's transaction: it exists
exactly when the save committed, and it survives a crash between the commit and
the send. After the commit the runner is told there is work:

- ``thread`` (default): a daemon thread of the web process drains the outbox;
- ``celery`` (``TRELLIS_BROKER_URL`` set): one Celery task per job;
- ``manual`` (default under ``TESTING``): nothing runs until :func:`drain` is called.

Whatever the runner, running a job means claiming its row (an UPDATE that only one
worker can win), calling the job, then marking it ``done``, or ``pending`` again
with an exponential back-off (``JOB_BACKOFF`` seconds times 2**(attempt-1)), or
``failed`` after ``max_attempts``.

A claim is a lease of ``JOB_LEASE`` seconds that the running worker renews while the
job runs: a job whose worker was killed becomes claimable again once its lease ran
out, and a live worker's job never does. The runner is told about new jobs only
after the *outermost* transaction committed (a SAVEPOINT released by an automation
is no commit), so a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, event, insert, or_, select, update
from trellis.automation.tables import utc, utcnow

log = logging.getLogger("trellis.jobs")

STALE_AFTER = timedelta(seconds=30)   # default lease: a "running" job not renewed for this long was lost
_NEW_JOBS = "trellis_outbox_new"
_HOOKED = "trellis_outbox_hooked"
WRITE_DEPTH = "trellis_write_depth"   # the record service's nesting counter (trellis.data.records)


@dataclass(frozen=True)
class Job:
    """A kind of background work: ``run(app, payload)`` does it; raising means "try again later".

    ``failed(app, payload, error)``, when given, is called once after the last attempt failed.
    """

    name: str
    run: Callable[[Any, dict], Any]
    max_attempts: int = 5
    failed: Callable[[Any, dict, str], Any] | None = None


@dataclass
class Jobs:
    """The jobs of one application: registered kinds, the outbox table and the runner."""

    app: Any
    outbox: Any
    kinds: dict[str, Job] = field(default_factory=dict)
    runner: Any = None

    @property
    def backoff(self) -> float:
        """Seconds before the first retry (doubled for each further one)."""
        return float(self.app.config.get("JOB_BACKOFF", 30))

    @property
    def lease(self) -> timedelta:
        """How long a claim holds without being renewed (``JOB_LEASE`` seconds)."""
        seconds = self.app.config.get("JOB_LEASE")
        return timedelta(seconds=float(seconds)) if seconds else STALE_AFTER


def jobs_of(app) -> Jobs:
    """The :class:`Jobs` of ``app`` (set up by ``trellis.automation.init_app``)."""
    from trellis.runtime import runtime

    return runtime(app).jobs


def register_job(app, name: str, run: Callable[[Any, dict], Any], max_attempts: int = 5,
                 failed: Callable[[Any, dict, str], Any] | None = None) -> Job:
    """Register the job kind ``name`` for ``app``; ``run(app, payload)`` does the work."""
    job = Job(name, run, max_attempts, failed)
    jobs_of(app).kinds[name] = job
    return job


def enqueue(app, job_name: str, payload: dict, delay: float = 0, key: str | None = None) -> int:
    """Queue ``job_name`` with a JSON-serialisable ``payload``, to run ``delay`` seconds from now.

    Inside a record write the job is queued in that write's transaction and runs only
    if it commits; otherwise it is queued (and committed) at once. Returns the job id.

    ``key`` (at most 200 characters) makes the call idempotent: while the outbox holds
    a job queued with the same key, whatever its state, no second job is queued and
    that job's id is returned, so the work runs once however often it was asked for
    (a retried request, two app servers reacting to one event).
    """
    from trellis.data.database import db

    jobs = jobs_of(app)
    if job_name not in jobs.kinds:
        raise KeyError(f"no job called '{job_name}' (known: {', '.join(sorted(jobs.kinds))})")
    from trellis.logs import request_id

    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 200):
        raise ValueError("a job's key is a text of 1 to 200 characters")
    now = utcnow()
    row = {"job": job_name, "payload": json.dumps(payload, default=str), "status": "pending", "attempts": 0,
           "run_at": now + timedelta(seconds=delay), "created_at": now, "request_id": request_id.get(),
           "idempotency_key": key}
    with _app_context(app):
        session = db.session
        if session.info.get(WRITE_DEPTH, 0) > 0:
            job_id, new = _insert(session.connection(), jobs.outbox, row)
            if new:
                _notify_after_commit(jobs, session, job_id, delay)
            return job_id
        with db.engine.begin() as connection:
            job_id, new = _insert(connection, jobs.outbox, row)
    if new:
        _notify(jobs, [(job_id, delay)])
    return job_id


def _insert(connection, outbox, row: dict) -> tuple[int, bool]:
    """Insert the job row; with a key another job already holds, insert nothing. ``(job id, inserted)``."""
    if row["idempotency_key"] is None:
        return connection.execute(insert(outbox).values(**row)).inserted_primary_key[0], True
    # ON CONFLICT DO NOTHING (PostgreSQL, SQLite): a concurrent enqueue with the same key waits for
    # the first one's transaction and then inserts nothing, where a plain INSERT would raise.
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(outbox).values(**row).on_conflict_do_nothing(index_elements=["idempotency_key"])
    inserted = connection.execute(statement.returning(outbox.c.id)).scalar()
    if inserted is not None:
        return inserted, True
    held = connection.execute(select(outbox.c.id).where(outbox.c.idempotency_key == row["idempotency_key"]))
    return held.scalar_one(), False


def _notify_after_commit(jobs: Jobs, session, job_id: int, delay: float) -> None:
    # The session may outlive one app (flask-sqlalchemy's extension is shared), so each
    # queued id carries its own Jobs and the listeners close over nothing.
    session.info.setdefault(_NEW_JOBS, []).append((jobs, job_id, delay))
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_soft_rollback", _rolled_back)


def _committed(session) -> None:
    # SQLAlchemy fires after_commit when a SAVEPOINT is released too: the rows are not
    # visible to a worker until the outermost transaction commits, so wait for that one.
    if session.in_nested_transaction():
        return
    queued = session.info.pop(_NEW_JOBS, [])
    for jobs in {id(j): j for j, _, _ in queued}.values():
        _notify(jobs, [(job_id, delay) for j, job_id, delay in queued if j is jobs])


def _rolled_back(session, previous) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_NEW_JOBS, None)


def _notify(jobs: Jobs, new: list[tuple[int, float]]) -> None:
    if new and jobs.runner is not None:
        try:
            jobs.runner.notify(new)
        except Exception:  # the row is safe in the outbox; a sweep or the next drain picks it up
            log.exception("could not hand %d job(s) to the runner", len(new))


def drain(app, now: datetime | None = None, limit: int = 1000) -> int:
    """Run every job due at ``now`` (default: the current time), until none is left; returns how many ran.

    Deterministic for tests: jobs run one at a time in this thread, oldest first. A
    job that fails is rescheduled with back-off, so it runs again only in a later
    ``drain`` whose ``now`` has reached its new ``run_at``.
    """
    count = 0
    seen: set[int] = set()
    while count < limit:
        due = [job_id for job_id in due_jobs(app, now) if job_id not in seen]
        if not due:
            break
        for job_id in due:
            seen.add(job_id)
            if run_job(app, job_id, now) is not None:
                count += 1
    return count


def due_jobs(app, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of jobs that may run at ``now``: pending and due, or running but abandoned (lease ran out)."""
    from trellis.data.database import db

    now = now or utcnow()
    jobs = jobs_of(app)
    outbox = jobs.outbox
    with _app_context(app), db.engine.connect() as connection:
        return list(connection.execute(select(outbox.c.id).where(_claimable(outbox, now, jobs.lease))
                                       .order_by(outbox.c.run_at, outbox.c.id).limit(limit)).scalars())


def _claimable(outbox, now: datetime, lease: timedelta = STALE_AFTER):
    return or_(and_(outbox.c.status == "pending", outbox.c.run_at <= now),
               and_(outbox.c.status == "running", outbox.c.claimed_at < now - lease))


def lease_left(app, job_id: int, now: datetime | None = None) -> float | None:
    """Seconds until the claim on running job ``job_id`` runs out, or None when the job is not running.

    A runner whose message found the job claimed by another worker asks this: a live
    worker renews its lease, a killed one's lease runs out and the job is claimable.
    """
    row = job_status(app, job_id)
    if row is None or row["status"] != "running" or row["claimed_at"] is None:
        return None
    now = utc(now or utcnow())
    return max(0.0, (utc(row["claimed_at"]) + jobs_of(app).lease - now).total_seconds())


class _Lease:
    """Renews the claim of a running job every third of its lease, from a daemon thread."""

    def __init__(self, engine, outbox, job_id: int, attempts: int, lease: timedelta):
        self.engine, self.outbox, self.job_id, self.attempts = engine, outbox, job_id, attempts
        self.every = max(lease.total_seconds() / 3, 0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"trellis-lease-{job_id}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _renew(self) -> None:
        outbox = self.outbox
        while not self._stop.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(outbox).where(outbox.c.id == self.job_id, outbox.c.status == "running",
                                                            outbox.c.attempts == self.attempts)
                                       .values(claimed_at=utcnow()))
            except Exception as error:  # the database is away: the lease may lapse, the claim still guards
                log.warning("job #%s: could not renew its lease: %s", self.job_id, error)


def run_job(app, job_id: int, now: datetime | None = None) -> str | None:
    """Claim job ``job_id`` and run it; returns ``done``, ``retry``, ``failed``, or None when not claimable.

    Safe to call from several workers at once: only one wins the claim.
    """
    from trellis.data.database import db

    jobs = jobs_of(app)
    outbox = jobs.outbox
    now = now or utcnow()
    with app.app_context():
        with db.engine.begin() as connection:
            claimed = connection.execute(update(outbox).where(outbox.c.id == job_id,
                                                              _claimable(outbox, now, jobs.lease))
                                         .values(status="running", claimed_at=now,
                                                 attempts=outbox.c.attempts + 1))
            if claimed.rowcount != 1:
                return None
            row = connection.execute(select(outbox).where(outbox.c.id == job_id)).one()
        job = jobs.kinds.get(row.job)
        payload = json.loads(row.payload)
        from trellis.logs import request_id

        carried = request_id.set(row.request_id)   # the queuing request's id, in the job's log lines
        try:
            if job is None:
                raise LookupError(f"no job called '{row.job}' is registered")
            with _Lease(db.engine, outbox, job_id, row.attempts, jobs.lease):
                job.run(app, payload)
        except Exception as error:  # any failure is retried, then recorded
            return _failed(app, jobs, job, row, payload, error, now)
        finally:
            db.session.remove()
            request_id.reset(carried)
        with db.engine.begin() as connection:
            connection.execute(update(outbox).where(outbox.c.id == job_id)
                               .values(status="done", finished_at=utcnow(), last_error=None))
    return "done"


def _failed(app, jobs: Jobs, job: Job | None, row, payload: dict, error: Exception, now: datetime) -> str:
    from trellis.data.database import db

    message = f"{type(error).__name__}: {error}"
    outbox = jobs.outbox
    attempts = row.attempts
    final = job is None or attempts >= job.max_attempts
    values: dict[str, Any] = {"last_error": message}
    if final:
        values.update(status="failed", finished_at=utcnow())
        log.error("job %s #%s failed for good after %d attempt(s): %s", row.job, row.id, attempts, message)
    else:
        delay = jobs.backoff * 2 ** (attempts - 1)
        values.update(status="pending", run_at=utc(now) + timedelta(seconds=delay))
        log.warning("job %s #%s failed (attempt %d), retrying in %.1fs: %s", row.job, row.id, attempts, delay,
                    message)
    with db.engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == row.id).values(**values))
    if final:
        if job is not None and job.failed is not None:
            try:
                job.failed(app, payload, message)
            except Exception:
                log.exception("job %s: its failure handler raised", row.job)
        return "failed"
    _notify(jobs, [(row.id, delay)])
    return "retry"


def job_status(app, job_id: int) -> dict | None:
    """The outbox row of job ``job_id`` as a dict (status, attempts, last_error, ...), or None."""
    from trellis.data.database import db

    outbox = jobs_of(app).outbox
    with _app_context(app), db.engine.connect() as connection:
        row = connection.execute(select(outbox).where(outbox.c.id == job_id)).first()
    return dict(row._mapping) if row is not None else None


def _app_context(app):
    """``app``'s context, reusing the current one when it is ``app``'s (so the caller's session is kept)."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()
