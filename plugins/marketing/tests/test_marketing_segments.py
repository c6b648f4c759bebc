"""Segments: conditions over contact fields and order aggregates, one SQL query, YAML with file:line, a page."""

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from marketing_helpers import contact, last_year
from trellis.testing.fixtures import sql_statements
from trellis.testing.web import post
from trellis_plugins.marketing import segments

TODAY = date.today()
PAGE = "/marketing/segments"


def members(records, text):
    segment = segments.from_text("t", text)
    return {row[0] for row in records.query("contact").aggregate(
        lambda dialect: segments.statement(records, segment, TODAY))}


@pytest.fixture
def people(records):
    rose = records.create("product", {"name": "Rose bouquet", "code": "ROSE", "price": 30})
    ann = contact(records, "ann", [TODAY - timedelta(days=400), TODAY - timedelta(days=200)], city="Sofia",
                  tags=["vip"])
    bob = contact(records, "bob", [TODAY - timedelta(days=10)], city="Plovdiv", country="Bulgaria")
    cid = contact(records, "cid", [TODAY - timedelta(days=5)] * 3, city="Paris")
    order = records.query("order").filter(contact=bob.id).first()
    records.create("order_line", {"order": order.id, "product": rose.id, "qty": 1, "price": 30})
    return {"ann": ann.id, "bob": bob.id, "cid": cid.id, "dan": contact(records, "dan").id}


def test_conditions_over_fields_and_orders_select_the_right_contacts(records, people):
    assert members(records, "contact: {city: Sofia}") == {people["ann"]}
    assert members(records, "contact: {tags__contains: vip}") == {people["ann"]}
    assert members(records, "contact: {country: Bulgaria}") == {people["bob"]}
    assert members(records, "orders: {min_count: 3}") == {people["cid"]}
    assert members(records, "orders: {min_total: 100}") == {people["ann"], people["cid"]}
    assert members(records, "orders: {product: ROSE}") == {people["bob"]}
    assert members(records, "last_order_days: 90") == {people["ann"]}
    assert members(records, "orders: {min_count: 2, min_total: 100}\nlast_order_days: 90") == {people["ann"]}
    assert members(records, "orders: {min_count: 3}\nlast_order_days: 90") == set()
    assert members(records, "orders: {min_count: 2}\nlast_order_days: 3") == {people["ann"], people["cid"]}
    assert members(records, "orders: {min_count: 0, max_count: 0}") == {people["dan"]}
    assert members(records, f"orders: {{from: '{TODAY - timedelta(days=11)}', to: '{TODAY}'}}") == {
        people["bob"], people["cid"]}


def test_the_count_is_one_query_never_every_contact(trellis_app, records, people):
    segment = segments.from_text("t", "contact: {do_not_contact: false}\norders: {min_total: 10}")
    with sql_statements(trellis_app) as seen:
        assert segments.count(records, segment, TODAY) == 3
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "count(" in selects[0].lower()


def test_a_bad_segment_document_is_a_check_error_at_its_line(tmp_path):
    org = tmp_path / "shop"
    (org / "metadata").mkdir(parents=True)
    (org / "metadata" / "segments.yaml").write_text(
        "segment: spring\norders:\n  from: 05-40\n  min_count: -1\nwhen: always\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    result = subprocess.run([sys.executable, "-m", "trellis.cli", "check", "shop"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    out = result.stdout
    assert "segments.yaml:3:9: error: 'from' must be a date, YYYY-MM-DD or MM-DD" in out, out
    assert "segments.yaml:4:14: error: 'min_count' must be a whole number" in out, out
    assert "segments.yaml:5:1: error: unknown key 'when'" in out, out


def test_a_segment_record_with_bad_conditions_is_refused_naming_the_field(records):
    from trellis import ValidationError

    with pytest.raises(ValidationError) as refused:
        records.create("marketing_segment", {"name": "broken", "conditions": "orders: {min_count: lots}"})
    assert "min_count" in refused.value.fields["conditions"]
    assert records.query("marketing_segment").first() is None


def test_the_page_shows_the_live_count_and_preview(trellis_app, records, people, client_as):
    records.create("marketing_segment", {"name": "sofia", "conditions": "contact: {city: Sofia}"})
    client = client_as("marketing_user")
    page = client.get("/marketing/segments/sofia")
    assert page.status_code == 200 and 'data-count="1"' in page.text and f'data-id="{people["ann"]}"' in page.text
    tried = post(client_as("admin"), "/marketing/segments", {"conditions": "orders: {min_total: 100}"},
                 form_page=PAGE)
    assert tried.status_code == 200 and 'data-count="2"' in tried.text
    wrong = post(client, "/marketing/segments", {"conditions": "contact: {shoe_size: 42}"}, form_page=PAGE)
    assert wrong.status_code == 422 and "shoe_size" in wrong.text


def test_the_mothers_day_segment_uses_last_years_dates(records):
    ann = contact(records, "ann", [last_year(5, 14)])
    contact(records, "eve", [date(TODAY.year, 5, 3)])
    assert members(records, "orders: {from: '05-01', to: '05-14', year: last}") == {ann.id}

