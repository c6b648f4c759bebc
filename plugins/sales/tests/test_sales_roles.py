"""Sales roles through the record service, and an organisation customising the plugin in YAML."""

import pathlib
from datetime import date
from decimal import Decimal

import pytest
from trellis import PermissionDenied
from trellis.data.records import records_for
from trellis.errors import NotFound
from trellis.security.accounts import create_user
from trellis_plugins.sales.forecast import weighted_pipeline


@pytest.fixture
def people(trellis_app):
    with trellis_app.app_context():
        return {name: create_user(trellis_app, f"{name}@example.com", "a long enough password", role=role, name=name)
                for name, role in (("ann", "salesperson"), ("bob", "salesperson"), ("max", "sales_manager"))}


@pytest.fixture
def deals(records, people):
    contact = records.create("contact", {"last_name": "Babbage"})
    return {name: records.create("deal", {"name": f"{name}'s deal", "contact": contact.id, "amount": 1000,
                                          "close_date": date(2030, 5, 1), "owner": people[name].id})
            for name in ("ann", "bob")}


def as_user(trellis_app, account):
    return records_for(trellis_app, user=account, channel="ui")


def test_a_salesperson_sees_only_their_own_deals(trellis_app, people, deals):
    with trellis_app.app_context():
        names = [d["name"] for d in as_user(trellis_app, people["ann"]).query("deal").iterate()]
    assert names == ["ann's deal"]


def test_a_salesperson_may_not_change_someone_elses_deal(trellis_app, people, deals):
    with trellis_app.app_context(), pytest.raises((PermissionDenied, NotFound)):  # NotFound: not even visible
        as_user(trellis_app, people["ann"]).update("deal", deals["bob"].id, {"amount": 1})


def test_a_sales_manager_sees_every_deal(trellis_app, people, deals):
    with trellis_app.app_context():
        assert as_user(trellis_app, people["max"]).query("deal").count()[0] == 2


def test_the_forecast_counts_only_the_deals_the_user_may_read(trellis_app, people, deals):
    with trellis_app.app_context():
        assert weighted_pipeline(as_user(trellis_app, people["ann"])) == [("2030-05", Decimal("100"), 1)]
        assert weighted_pipeline(as_user(trellis_app, people["max"])) == [("2030-05", Decimal("200"), 2)]


def test_an_organisation_adds_a_field_to_deals_in_yaml_and_migrate_applies_it(trellis_config):
    from trellis import create_app
    from trellis.data.migrate import upgrade

    entities = pathlib.Path(trellis_config["ORG_DIR"], "metadata", "entities")
    first = create_app(trellis_config)
    with first.app_context():
        upgrade(first)
    entities.mkdir(parents=True, exist_ok=True)
    (entities / "deal.yaml").write_text(
        "extends: deal\nfields:\n  partner: {type: link, to: company, on_delete: set_null}\n"
        "  stage: {options: [+on_hold]}\n", encoding="utf-8")
    second = create_app(trellis_config)
    with second.app_context():
        upgrade(second)
        records = records_for(second)
        partner = records.create("company", {"name": "Reseller Ltd"})
        contact = records.create("contact", {"last_name": "Babbage"})
        deal = records.create("deal", {"name": "Via partner", "contact": contact.id, "partner": partner.id})
        assert records.get("deal", deal.id)["partner"] == partner.id


def test_a_salesperson_may_work_on_their_own_deal(trellis_app, people, deals):
    with trellis_app.app_context():
        moved = as_user(trellis_app, people["ann"]).transition("deal", deals["ann"].id, "qualify")
    assert moved["stage"] == "qualified"
