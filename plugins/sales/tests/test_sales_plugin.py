"""The sales plugin, tested as a plugin author would: YAML + the record service + the HTTP test client."""

from decimal import Decimal

import pytest
from trellis import ValidationError
from trellis.runtime import runtime


@pytest.fixture
def contact(records):
    return records.create("contact", {"first_name": "Ada", "last_name": "Lovelace"})


@pytest.fixture
def lost_reason(records):
    return records.create("lost_reason", {"name": "Price too high"})


@pytest.fixture
def deal(records, contact):
    return records.create("deal", {"name": "Analytical engine", "contact": contact.id, "amount": 1000})


def qualified_lead(records, **values):
    lead = records.create("lead", {"first_name": "Grace", "last_name": "Hopper", "company_name": "Navy Labs",
                                   "email": "grace@example.com", "expected_amount": 5000, **values})
    return records.transition("lead", records.transition("lead", lead.id, "mark_contacted").id, "qualify")


def test_sales_defines_its_entities_and_workflows(trellis_app):
    metadata = runtime(trellis_app).metadata
    for name in ("lead", "deal", "lost_reason", "product", "quote", "quote_line", "order", "sales_target"):
        assert metadata.entities[name].layer == "sales"
    assert {"lead_flow", "deal_pipeline", "quote_flow"} <= set(metadata.workflows)


def test_expected_revenue_is_amount_weighted_by_probability(records, deal):
    assert records.get("deal", deal.id)["expected"] == Decimal("100")


def test_a_new_deal_takes_its_first_stages_probability(records, contact):
    created = records.create("deal", {"name": "X", "contact": contact.id})
    assert records.get("deal", created.id)["probability"] == 10


def test_a_new_deal_cannot_start_past_the_first_stage(records, contact):
    with pytest.raises(ValidationError) as refused:
        records.create("deal", {"name": "X", "contact": contact.id, "stage": "won"})
    assert "starts in 'new'" in refused.value.fields["stage"]


def test_moving_a_deal_sets_the_stages_probability(records, deal):
    moved = records.transition("deal", records.transition("deal", deal.id, "qualify").id, "propose")
    assert (moved["stage"], moved["probability"], moved["expected"]) == ("proposal", 60, Decimal("600"))


def test_a_probability_given_with_the_stage_change_is_kept(records, deal):
    moved = records.transition("deal", deal.id, "qualify", {"probability": 45})
    assert moved["probability"] == 45


def test_proposing_needs_an_amount(records, contact):
    empty = records.create("deal", {"name": "Nothing yet", "contact": contact.id})
    qualified = records.transition("deal", empty.id, "qualify")
    with pytest.raises(ValidationError):
        records.transition("deal", qualified.id, "propose")
    assert records.get("deal", empty.id)["stage"] == "qualified"


def test_losing_a_deal_needs_a_lost_reason(records, deal):
    with pytest.raises(ValidationError) as error:
        records.transition("deal", deal.id, "lose")
    assert "lost_reason" in error.value.fields
    assert records.get("deal", deal.id)["stage"] == "new"


def test_a_lost_deal_keeps_its_reason_and_drops_to_zero(records, deal, lost_reason):
    lost = records.transition("deal", deal.id, "lose", {"lost_reason": lost_reason.id})
    assert (lost["stage"], lost["lost_reason"], lost["probability"]) == ("lost", lost_reason.id, 0)


def test_converting_a_lead_creates_contact_company_and_deal(records):
    lead = records.transition("lead", qualified_lead(records).id, "convert")
    lead = records.get("lead", lead.id)
    contact, deal = records.get("contact", lead["contact"]), records.get("deal", lead["deal"])
    assert lead["status"] == "converted" and contact["email"] == "grace@example.com"
    assert records.get("company", lead["company"])["name"] == "Navy Labs"
    assert (deal["contact"], deal["company"], deal["amount"], deal["lead"]) == (
        contact.id, lead["company"], Decimal("5000"), lead.id)


def test_converting_a_lead_reuses_a_company_with_the_same_name(records):
    existing = records.create("company", {"name": "navy labs"})
    lead = records.transition("lead", qualified_lead(records).id, "convert")
    assert records.get("lead", lead.id)["company"] == existing.id
    assert records.query("company").count()[0] == 1


def test_a_failed_conversion_leaves_nothing_behind(trellis_config, installed_plugin):
    from trellis import create_app
    from trellis.data.records import records_for

    installed_plugin("refuse_deals", depends=["sales"], code=(
        "from trellis import ValidationError, hookimpl\n"
        "@hookimpl\n"
        "def before_save(record, changes, context):\n"
        "    if record.entity == 'deal':\n"
        "        raise ValidationError({'name': 'no deals today'})\n"))
    app = create_app(trellis_config)
    with app.app_context():
        from trellis.data.migrate import upgrade

        upgrade(app)
        records = records_for(app)
        lead = qualified_lead(records)
        with pytest.raises(ValidationError):
            records.transition("lead", lead.id, "convert")
        assert records.get("lead", lead.id)["status"] == "qualified"
        assert records.query("contact").count()[0] == 0
        assert records.query("company").count()[0] == 0


def test_demo_data_fills_the_pipeline_on_top_of_contacts(trellis_app, records):
    from trellis.demo import load_demo_data

    context = load_demo_data(trellis_app)
    stages = {deal["stage"] for deal in context.created["deal"]}
    assert len(context.created["deal"]) >= 20
    assert stages == {"new", "qualified", "proposal", "negotiation", "won", "lost"}
    assert records.query("order").count()[0] > 0 and records.query("lead").filter(status="converted").count()[0] == 1
    assert all(records.get("quote", q.id)["total"] > 0 for q in context.created["quote"])
