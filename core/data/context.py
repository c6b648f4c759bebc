"""What a hook receives as ``context``: who acts, why, when, and the record services to write with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trellis.plugins.manager import RUNNING_PLUGIN, running_plugin  # noqa: F401 - part of the context's API

CHANNELS = ("ui", "api", "import", "automation", "plugin")

OPERATIONS = ("form", "api", "import", "merge", "cascade", "job", "system")
"""What a write is part of: a web form, an API call, an import, a merge of duplicates, an
``on_delete`` cascade (or ``set_null``), a scheduled job or delayed automation, other system work."""

OPERATION_OF_CHANNEL = {"ui": "form", "api": "api", "import": "import", "automation": "job", "plugin": "system"}
"""The operation a write has when its caller names only the channel."""


@dataclass
class Context:
    """Who is acting, through which channel, why, at what time, and how to write more.

    ``user`` is the acting user (None: the system); ``channel`` one of ``CHANNELS``
    (recorded in history); ``operation`` one of ``OPERATIONS``: what the write is
    part of, e.g. ``"cascade"`` when a delete removes the children linked with
    ``on_delete: cascade``; ``now`` an aware UTC datetime fixed for the whole write.

    ``records`` is a record service acting as the same user, inside the same
    transaction: what it may not do, the hook may not either. ``system`` is a record
    service acting as the system inside the same transaction: no permission limits,
    it may set ``readonly`` fields, and history names the plugin whose hook wrote as
    the actor::

        @hookimpl(entities=["order"])
        def after_save(record, changes, context):
            if "total" in changes and record["customer"]:
                context.system.create("points", {"customer": record["customer"],
                                                 "amount": int(record["total"] // 10)})
    """

    user: Any
    channel: str
    now: datetime
    records: Any = None
    operation: str = "system"

    @property
    def system(self) -> Any:
        """A record service acting as the system in the same transaction, recording the running plugin."""
        if self.records is None:
            return None
        return self.records.as_system(running_plugin())
