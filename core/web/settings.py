"""The web layer's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, choice, positive_integer, text


def settings() -> list[Setting]:
    """The theme, the largest request body, the log format, the Persian calendar and the metrics token."""
    return [
        Setting("THEME", "default", "theme name or folder", text),
        Setting("MAX_CONTENT_LENGTH", 32 * 1024 * 1024, "the largest request body taken, in bytes (above "
                "IMPORT_MAX_BYTES); a larger one is refused with 413 before it is read", positive_integer),
        Setting("LOG_FORMAT", "text", "text, or json: one JSON object per log line with the request id",
                choice("text", "json")),
        Setting("PERSIAN_CALENDAR", "jalali", "the calendar Persian (fa) users see and type dates in: jalali "
                "(Solar Hijri) or gregorian; stored dates are Gregorian either way", choice("jalali", "gregorian")),
        Setting("METRICS_TOKEN", None, "serves Prometheus metrics at /metrics to a scraper sending it as a "
                "Bearer token; unset: no /metrics", text),
    ]
