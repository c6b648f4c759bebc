"""Notes and activities hang on any record through ``ref_entity`` + ``ref_record``: the parent must be readable."""

from __future__ import annotations

from trellis import NotFound, PermissionDenied, ValidationError

UNREADABLE = "there is no such record, or you may not see it"


def check_parent(record, context) -> None:
    """Refuse (ValidationError on ``ref_record``) a parent the acting user cannot read.

    Read through ``context.records`` -- the acting user's permissions -- so that a note
    cannot be put on the timeline of a record its author may not see. A missing and a
    forbidden record get the same message: the answer must not tell which ids exist.
    """
    entity, record_id = record.get("ref_entity"), record.get("ref_record")
    if not entity and record_id is None:
        return
    if entity not in context.records.metadata.entities or record_id is None:
        raise ValidationError({"ref_record": UNREADABLE})
    try:
        context.records.get(entity, record_id)
    except (NotFound, PermissionDenied):
        raise ValidationError({"ref_record": UNREADABLE}) from None
