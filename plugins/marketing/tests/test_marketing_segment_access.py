"""A segment's count and preview on a page read orders as the viewer: a marketer who may not read orders
cannot count contacts by them; one who reads some orders counts by those; sending reads them all."""

from pathlib import Path

import pytest
from marketing_helpers import campaign, contact, last_year, send
from trellis.testing.web import post

PAGE = "/marketing/segments"
ROLES = """\
roles:
  own_orders_marketer:
    label: {en: Marketer reading own orders}
    contact:           {read: all}
    marketing_segment: {read: all}
    order:             {read: own, create: true}
"""


@pytest.fixture
def trellis_config(trellis_config):
    (Path(trellis_config["ORG_DIR"]) / "metadata" / "roles.yaml").write_text(ROLES, encoding="utf-8")
    return trellis_config


def test_a_marketer_who_may_not_read_orders_cannot_count_by_them(records, client_as):
    contact(records, "ann", [last_year(5, 3)])
    contact(records, "bob", [last_year(5, 3), last_year(6, 1)], city="Sofia")
    client = client_as("marketing_user")
    page = client.get("/marketing/segments/mothers_day")
    assert page.status_code == 200
    assert "data-count" not in page.text and 'data-field="orders"' in page.text
    assert "You may not read orders" in page.text
    tried = post(client, PAGE, {"conditions": "orders: {min_count: 2}"}, form_page=PAGE)
    assert tried.status_code == 422 and "data-count" not in tried.text and "You may not read orders" in tried.text
    fields_only = post(client, PAGE, {"conditions": "contact: {city: Sofia}"}, form_page=PAGE)
    assert fields_only.status_code == 200 and 'data-count="1"' in fields_only.text


def test_order_conditions_count_only_the_orders_the_viewer_may_read(trellis_app, records, client_as):
    contact(records, "ann", [last_year(5, 3)])
    bob = contact(records, "bob")
    client = client_as("own_orders_marketer")
    records.as_user(client.user_id).create("order", {"name": "bob's own", "contact": bob.id, "amount": 10,
                                                     "order_date": last_year(5, 4), "status": "delivered"})
    assert records.query("order").count()[0] == 2
    tried = post(client, PAGE, {"conditions": "orders: {from: '05-01', to: '05-14', year: last}"}, form_page=PAGE)
    assert tried.status_code == 200 and 'data-count="1"' in tried.text
    assert f'data-id="{bob.id}"' in tried.text


def test_a_campaign_scheduled_by_a_manager_who_may_not_read_orders_reaches_every_buyer(
        trellis_app, records, records_as, smtp):
    contact(records, "ann", [last_year(5, 3)]), contact(records, "eve", [last_year(5, 9)])
    manager = records_as("marketing_manager")
    assert not manager.access.can(manager.user, "read", "order")
    sent = send(trellis_app, manager, campaign(manager))
    assert sent["status"] == "sent"
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == ["ann@example.com", "eve@example.com"]
