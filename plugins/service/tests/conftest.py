"""The service plugin in every test here, a fixed clock for the writes, and a support desk in Sofia.

``EXTRA_PLUGINS`` registers the package itself (its ``plugin.yaml`` and hooks), whether
or not the entry point is installed. ``clock`` fixes the ``now`` of every write (what
``context.now``, ``created_at`` and history see); set ``clock.now`` to move it.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import trellis_plugins.service

DESK = """\
business_calendar: sofia_desk
timezone: Europe/Sofia
default: true
hours: ["09:00-13:00", "14:00-18:00"]
holidays: [2026-03-03]
"""


@pytest.fixture
def trellis_config(trellis_config):
    (Path(trellis_config["ORG_DIR"]) / "metadata" / "desk.yaml").write_text(DESK, encoding="utf-8")
    return {**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.service]}


class Clock:
    """What ``datetime.now`` answers inside the record service: ``now`` (aware UTC)."""

    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    import trellis.data.unit as unit

    fixed = Clock()

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed.now if tz is None else fixed.now.astimezone(tz)

    monkeypatch.setattr(unit, "datetime", Frozen)
    return fixed
