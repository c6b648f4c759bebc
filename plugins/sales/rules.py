"""Save-time rules that YAML cannot express: stage probabilities and quote-line prices."""

from __future__ import annotations


def stage_probability(record, changes, context) -> None:
    """Set a deal's probability to its new stage's ``probability:`` from the pipeline YAML.

    On an update only when the stage changed and the probability was not set in the
    same write (a salesperson's own figure wins); on a create when the probability
    is still the field's default.
    """
    if "stage" not in changes:
        return
    metadata = context.records.metadata
    workflow = metadata.workflow_for("deal", "stage")
    state = workflow.states.get(record.get("stage")) if workflow is not None else None
    probability = state.extra.get("probability") if state is not None else None
    if probability is None:
        return
    if record.id is None:
        default = metadata.entities["deal"].fields["probability"].default
        if record.get("probability") not in (None, default):
            return
    elif "probability" in changes:
        return
    record["probability"] = probability


def line_from_product(record, context) -> None:
    """Fill an empty description and price of a quote line from its product, as far as the user may see it.

    The product is read with the acting user's permissions: a price hidden from them by a
    field rule stays empty (they enter one), and a product they cannot read is refused.
    """
    from trellis import NotFound, PermissionDenied, ValidationError

    if not record.get("product") or (record.get("description") and record.get("price") is not None):
        return
    try:
        product = context.records.get("product", record["product"])
    except (NotFound, PermissionDenied):
        raise ValidationError({"product": "there is no such product, or you may not see it"}) from None
    if not record.get("description"):
        record["description"] = product["name"]
    if record.get("price") is None and product.get("price") is not None:
        record["price"] = product["price"]
