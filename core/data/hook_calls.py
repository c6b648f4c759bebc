"""How the record service calls plugins' record hooks, one record at a time or a batch at once.

``after_save`` has a batch form, ``after_save_many(entity, saved, context)``: the
records a ``create_many`` or ``update_many`` saved together reach a plugin that
implements it in one call. :meth:`HookCalls._after_save` walks the stages the plugin
set works out (:meth:`trellis.plugins.manager.PluginSet.batch_stages`): a run of
per-record implementations is called record by record, a batch implementation once
with the whole batch, so a plugin that only knows ``after_save`` sees no difference.
"""

from __future__ import annotations

from typing import Any

from trellis.data.record import Record
from trellis.data.unit import hooks_ran
from trellis.errors import ValidationError
from trellis.metadata.model import Entity
from trellis.runtime import runtime

BATCH_ROW = "batch_row"
"""The attribute of a ValidationError from :meth:`HookCalls._after_save` naming the position of the
record it refused in the batch (None: a batch implementation refused the batch as a whole)."""


class HookCalls:
    """Calling record hooks; mixed into :class:`trellis.data.records.RecordService`."""

    def _hook(self, name: str, **kwargs: Any) -> None:
        plugins = runtime(self.app).plugins
        if plugins is None or not hasattr(plugins, "call"):
            return
        hooks_ran()
        try:
            plugins.call(name, **kwargs)
        except ValidationError as e:
            record = kwargs.get("record")
            converted = _refusal(e, [record] if record is not None else None)
            if converted is e:
                raise
            raise converted from e

    def _after_save(self, meta: Entity, saved: list[tuple[Record, dict]], context: Any) -> None:
        """Step 8's hooks for records of ``meta`` saved together (``(record, changes)`` pairs, in order).

        A ValidationError leaving it carries ``batch_row``: the position in ``saved`` of
        the record refused, or None when a batch implementation refused several at once.
        """
        plugins = runtime(self.app).plugins
        if plugins is None or not hasattr(plugins, "batch_stages") or not saved:
            return
        stages = plugins.batch_stages("after_save", "after_save_many", meta.name)
        if not stages:
            return
        hooks_ran()
        for batch, pairs in stages:
            if batch:
                plugin, impl = pairs[0]
                try:
                    plugins.invoke(plugin, impl, "after_save_many", entity=meta.name, saved=saved, context=context)
                except ValidationError as e:
                    converted = _marked(_refusal(e, [record for record, _ in saved]), 0 if len(saved) == 1 else None)
                    if converted is e:
                        raise
                    raise converted from e
                continue
            for row, (record, changes) in enumerate(saved):
                for plugin, impl in pairs:
                    try:
                        plugins.invoke(plugin, impl, "after_save", record=record, changes=changes, context=context)
                    except ValidationError as e:
                        converted = _marked(_refusal(e, [record]), row)
                        if converted is e:
                            raise
                        raise converted from e


def _refusal(error: ValidationError, records: list[Record] | None) -> ValidationError:
    """``error`` as the writer should see it: unchanged when it refuses one of ``records`` (or says
    nothing of what it refused); when it refused a write a hook made, that record's fields are not
    the caller's, so it becomes a message naming the other record."""
    refused = getattr(error, "refused", None)
    if records is None or refused is None or any(
            refused[0] == record.entity and str(refused[1] or "") == str(record.id or "") for record in records):
        return error
    which = f"{refused[0]} #{refused[1]}" if refused[1] is not None else f"a new {refused[0]}"
    return ValidationError({"__all__": f"{which}: {error.message}"})


def _marked(error: ValidationError, row: int | None) -> ValidationError:
    setattr(error, BATCH_ROW, row)
    return error
