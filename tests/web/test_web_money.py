"""Money with a ``currency:`` code is shown in Babel's currency format of the reader's locale (symbol and
its place, separators), in lists, read views and kanban sums; without one, as a plain amount."""

import pytest
from trellis.testing.web import post, signed_in_client

INVOICE = """
entity: invoice
title: name
fields:
  name:   {type: string, required: true}
  total:  {type: money, currency: EUR}
  tip:    {type: money}
  status: {type: selection, options: [draft, paid]}
list: {columns: [name, total, tip, status]}
kanban: {group_by: status, card: [name, total], sum: total}
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    root = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    root.mkdir(parents=True, exist_ok=True)
    (root / "invoice.yaml").write_text(INVOICE, encoding="utf-8")
    trellis_config["PLUGINS"] = ["contacts"]
    return trellis_config


@pytest.mark.parametrize("locale, shown", [("en", "€1,250.50"), ("ru", "1\xa0250,50\xa0€"), ("bg", "1\xa0250,50\xa0€")])
def test_money_with_a_currency_is_formatted_for_the_readers_locale(app, records, locale, shown):
    invoice = records.create("invoice", {"name": "March", "total": "1250.50", "tip": "12", "status": "draft"})
    web = signed_in_client(app)
    post(web, "/preferences", {"locale": locale})
    for path in ("/app/invoice", f"/app/invoice/{invoice.id}", "/app/invoice/kanban"):
        assert shown in web.get(path).get_data(as_text=True), path
    listed = web.get("/app/invoice").get_data(as_text=True)
    assert ("12.00" if locale == "en" else "12,00") in listed and "€12" not in listed   # no currency: no symbol


def test_a_lists_options_show_as_chips_one_tone_per_option(app, records):
    records.create("invoice", {"name": "March", "status": "paid"})
    page = signed_in_client(app).get("/app/invoice").get_data(as_text=True)
    assert '<span class="chip tone-1">paid</span>' in page   # paid: the second option
