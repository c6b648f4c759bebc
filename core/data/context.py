"""What a hook receives as ``context``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHANNELS = ("ui", "api", "import", "automation", "plugin")


@dataclass
class Context:
    """Who is acting, through which channel, at what time.

    ``user`` is the acting user (None: the system), ``channel`` one of ``CHANNELS``,
    ``now`` an aware UTC datetime fixed for the whole write, and ``records`` a
    record service acting as the same user, inside the same transaction.
    """

    user: Any
    channel: str
    now: datetime
    records: Any = None
