"""Log records that carry the request id, and a JSON formatter for log collectors.

The id of the request being served (its ``X-Request-Id`` header when the proxy sent a
sane one, else a new one) is kept in a context variable; a job queued during the
request stores it in its outbox row, and the worker sets it again while the job runs,
so one id follows a save into the email it sent. ``LOG_FORMAT=json`` writes one JSON
object per line: ``time``, ``level``, ``logger``, ``message``, ``request_id`` and, for an
error, ``exception``.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("trellis_request_id", default=None)
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def new_request_id(offered: str | None = None) -> str:
    """``offered`` when it is a sane id (letters, digits, ``._-``, at most 64), else a new random one."""
    return offered if offered and _SANE.fullmatch(offered) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (None outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only adds the attribute."""
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON (the request id included when there is one)."""
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "request_id": getattr(record, "request_id", None) or request_id.get()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(app) -> None:
    """Give the app's log lines the request id and, with ``LOG_FORMAT=json``, write them as JSON.

    The app logger (``trellis``) is one per process: the last app configured decides its format.
    """
    from flask.logging import default_handler, wsgi_errors_stream

    logger = app.logger
    for handler in [h for h in logger.handlers if getattr(h, "trellis_json", False)]:
        logger.removeHandler(handler)
    if str(app.config.get("LOG_FORMAT") or "text") == "json":
        handler = logging.StreamHandler(wsgi_errors_stream)   # the request's error stream, else stderr, as Flask's
        handler.trellis_json = True
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        logger.removeHandler(default_handler)
        logger.addHandler(handler)
    elif not logger.handlers:
        logger.addHandler(default_handler)
