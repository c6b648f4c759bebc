"""Fixed-window rate limits for API tokens and public forms, counted without a write per request.

Each process counts a caller's requests in memory and adds them to the shared counter
row in ``trellis_api_rate`` (one upsert) once it has a twentieth of the limit pending,
so a ``600/minute`` token costs one write per 30 requests instead of one per request,
and an API read does not commit. What a process has not yet written is counted
against the limit at once; the shared row brings in the other processes' requests at
each write, so with ``P`` processes a caller may overrun a limit by at most
``P × limit / 20`` requests. Small limits (fewer than 40 a window, such as a public
form's ``10/minute``) are written on every request and are exact.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
DEFAULT_RATE_LIMIT = "600/minute"
BATCH_SHARE = 20            # a process writes its count once it has limit / BATCH_SHARE pending
MAX_CALLERS = 10_000        # callers a process remembers before it forgets those of past windows


@dataclass
class _Count:
    window: int
    known: int = 0           # the shared total at this process's last write
    pending: int = 0         # this process's requests not yet written


class _Counters:
    """One process's pending counts, by caller."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_caller: dict[str, _Count] = {}

    def add(self, caller: str, window: int, batch: int) -> tuple[_Count, int]:
        """Count one request; returns the caller's count and how many requests to write now (0: none)."""
        with self.lock:
            count = self.by_caller.get(caller)
            if count is None or count.window != window:
                if len(self.by_caller) >= MAX_CALLERS:
                    self.by_caller = {c: n for c, n in self.by_caller.items() if n.window == window}
                count = self.by_caller[caller] = _Count(window)
            count.pending += 1
            if count.pending < batch:
                return count, 0
            due, count.pending = count.pending, 0
            return count, due


def parse_rate(text: Any) -> tuple[int, int] | None:
    """``"600/minute"`` -> ``(600, 60)``; ``"100/10s"`` -> ``(100, 10)``; ``0``/``off``/empty -> None (no limit)."""
    if text in (None, "", 0, "0", "off", "none", False):
        return None
    count, _, period = str(text).partition("/")
    period = period.strip() or "minute"
    if period in _PERIODS:
        seconds = _PERIODS[period]
    elif period.endswith("s") and period[:-1].isdigit() and len(period) < 10:
        seconds = int(period[:-1])
    else:
        raise ValueError(f"API_RATE_LIMIT must look like '600/minute', not {text!r}")
    count = count.strip()
    if not count.isdigit() or len(count) > 9:
        raise ValueError(f"API_RATE_LIMIT must look like '600/minute', not {text!r}")
    return int(count), seconds


def hit(app, caller: str, limit_text: Any = None, now: float | None = None) -> int | None:
    """Count one request of ``caller`` (``token:<id>``, ``form:<ip>``); None when allowed, else the
    seconds until the window ends. ``limit_text`` defaults to ``API_RATE_LIMIT``."""
    if limit_text is None:
        limit_text = app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    limit = parse_rate(limit_text)
    if limit is None:
        return None
    allowed, seconds = limit
    now = time.time() if now is None else now
    window = int(now // seconds * seconds)
    caller = str(caller)[:100]
    count, due = _counters(app).add(caller, window, max(1, allowed // BATCH_SHARE))
    if due:
        total = _write(app, caller, window, due)
        with _counters(app).lock:
            count.known = max(count.known, total)
    if count.known + count.pending > allowed:
        return max(1, int(window + seconds - now + 0.999))
    return None


def _counters(app) -> _Counters:
    counters = app.extensions.get("trellis_rate_counters")
    if counters is None:
        counters = app.extensions.setdefault("trellis_rate_counters", _Counters())
    return counters


def _write(app, caller: str, window: int, hits: int) -> int:
    """Add ``hits`` to ``caller``'s shared counter of ``window`` and return the new total.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite and PostgreSQL), atomic
    across processes; a caller's older windows are deleted when a new one starts.
    """
    from trellis.data.unit import unit_of_work
    from trellis.runtime import runtime

    table = runtime(app).tables.api.rate
    with unit_of_work(app) as connection:
        if connection.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as upsert
        else:  # PostgreSQL: the only other database Trellis runs on (trellis.config.check_database_url)
            from sqlalchemy.dialects.postgresql import insert as upsert
        statement = upsert(table).values(caller=caller, window_start=window, hits=hits)
        statement = statement.on_conflict_do_update(index_elements=[table.c.caller, table.c.window_start],
                                                    set_={"hits": table.c.hits + hits}).returning(table.c.hits)
        total = connection.execute(statement).scalar()
        if total == hits:
            connection.execute(delete(table).where(table.c.caller == caller, table.c.window_start < window))
    return total
