"""The write plan: what the record service works out once per entity and transaction, not once per record."""

from trellis.data.coerce import coerce_value, coercer
from trellis.data.compute import compute_order
from trellis.data.plan import build_plan, plan_for
from trellis.data.unit import unit_of_work
from trellis.runtime import runtime


def test_one_transaction_reuses_the_plan_and_the_next_one_builds_it_again(svc):
    meta = svc.metadata.entity("deal")
    with unit_of_work(svc.app):
        first = plan_for(svc.app, meta)
        assert plan_for(svc.app, meta) is first
    with unit_of_work(svc.app):
        assert plan_for(svc.app, meta) is not first


def test_a_sanitiser_registered_during_a_transaction_is_used_by_its_next_write(svc):
    meta = svc.metadata.entity("deal")
    with unit_of_work(svc.app):
        before = plan_for(svc.app, meta)
        runtime(svc.app).html_sanitizer = lambda html: html
        assert plan_for(svc.app, meta) is not before


def test_the_plan_holds_what_the_metadata_says(svc):
    metadata = svc.metadata
    deal = metadata.entity("deal")
    plan = build_plan(metadata, deal)
    assert [f.name for f in plan.computed] == [f.name for f in compute_order(deal)]
    assert {f.name for f in plan.defaulted} == {f.name for f in deal.fields.values()
                                                 if not f.computed and f.type != "children"
                                                 and (f.default is not None or f.default_expr is not None)}
    assert plan.settable == {f.name for f in deal.fields.values()
                             if not f.computed and not f.readonly and f.type != "children"}
    assert plan.blank() == plan.blank() and plan.blank() is not plan.blank()
    assert plan.blank()["tags"] is not plan.blank()["tags"]  # each new record gets its own list


class Text(str):
    """Text that is not exactly ``str`` (as some drivers and form libraries hand out) takes the long way."""


def test_plain_text_and_other_text_are_coerced_alike(svc):
    metadata = svc.metadata
    for entity in metadata.entities.values():
        for field in entity.fields.values():
            coerce = coercer(field, metadata.field_types.get(field.type))
            for value in ["", "  ", "12", "2026-01-31", "a, b", "x\x00y", "ann@example.com", "+1 555 0100"]:
                assert _outcome(coerce, value) == _outcome(coerce, Text(value)), (entity.name, field.name, value)


def test_blank_and_nul_input_is_answered_before_the_types_coercer(svc):
    tags = svc.metadata.entity("deal").fields["tags"]
    ftype = svc.metadata.field_types.get("tags")
    assert coerce_value("  ", tags, ftype) == [] and coerce_value(None, tags, ftype) == []
    assert _outcome(coercer(tags, ftype), "a\x00") == ("error", "must not contain NUL characters")


def _outcome(coerce, value):
    try:
        return ("value", coerce(value))
    except (ValueError, TypeError) as e:
        return ("error", str(e))
