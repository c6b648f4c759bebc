"""The sales plugin's pages over HTTP: generated list/form/kanban pages, the dashboard and the quote document."""

from datetime import date

import pytest
from trellis.testing.web import signed_in_client

ENTITIES = ["lead", "deal", "lost_reason", "product", "quote", "quote_line", "order", "sales_target"]
KANBANS = ["lead", "deal", "quote", "order"]


@pytest.fixture
def client(trellis_app):
    return signed_in_client(trellis_app)


@pytest.fixture
def quote(records):
    contact = records.create("contact", {"first_name": "Ada", "last_name": "Lovelace", "city": "London"})
    product = records.create("product", {"code": "ENG-1", "name": "Difference engine", "price": 100, "tax": 20})
    quote = records.create("quote", {"name": "Q-7 Engines", "contact": contact.id, "terms": "Net 30"})
    records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": 2, "discount": 10})
    return quote


@pytest.mark.parametrize("entity", ENTITIES)
def test_the_list_and_new_form_of_every_sales_entity_render(client, entity):
    assert client.get(f"/app/{entity}").status_code == 200
    assert client.get(f"/app/{entity}/new").status_code == 200


@pytest.mark.parametrize("entity", KANBANS)
def test_the_kanban_of_every_sales_entity_with_one_renders(client, entity):
    assert client.get(f"/app/{entity}/kanban").status_code == 200


def test_a_quotes_form_and_its_lines_render(client, records, quote):
    line = records.query("quote_line").first()
    assert "Q-7 Engines" in client.get(f"/app/quote/{quote.id}").get_data(as_text=True)
    assert client.get(f"/app/quote_line/{line.id}").status_code == 200


def test_the_printed_quote_shows_lines_tax_and_totals(client, quote):
    page = client.get(f"/sales/quote/{quote.id}/print").get_data(as_text=True)
    assert "Difference engine" in page and "Ada Lovelace" in page and "Net 30" in page
    assert ">180.00 EUR<" in page and ">36.00 EUR<" in page and ">216.00 EUR<" in page


def test_printing_a_missing_quote_is_not_found(client):
    assert client.get("/sales/quote/999/print").status_code == 404


def test_the_sales_pages_need_a_signed_in_user(trellis_client, quote):
    assert trellis_client.get(f"/sales/quote/{quote.id}/print").status_code in (302, 401)
    assert trellis_client.get("/sales/dashboard").status_code in (302, 401)


def test_the_old_sales_dashboard_address_leads_to_the_one_sales_dashboard(client, records):
    contact = records.create("contact", {"last_name": "Babbage"})
    records.create("deal", {"name": "A", "contact": contact.id, "amount": 1000, "close_date": date(2030, 1, 10)})
    records.create("deal", {"name": "B", "contact": contact.id, "amount": 2000, "close_date": date(2030, 1, 20)})
    answer = client.get("/sales/dashboard")
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/dashboards/sales")
    page = client.get("/dashboards/sales").get_data(as_text=True)
    assert "Jan 2030" in page and "<bdi>300.00</bdi>" in page   # 10 % of 3,000 expected in January


def deal_in(records, stage_moves, amount=1000):
    contact = records.create("contact", {"last_name": "Babbage"})
    deal = records.create("deal", {"name": "Engine", "contact": contact.id, "amount": amount})
    for move in stage_moves:
        deal = records.transition("deal", deal.id, move)
    return deal


def test_dragging_a_deal_to_won_on_the_board_wins_it(client, records):
    from trellis.testing.web import post

    deal = deal_in(records, ["qualify", "propose"])
    answer = post(client, f"/app/deal/{deal.id}/move", {"to": "won"}, headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert (records.get("deal", deal.id)["stage"], records.get("deal", deal.id)["probability"]) == ("won", 100)


def test_dragging_a_deal_to_lost_without_a_reason_is_refused_with_the_reason(client, records):
    from trellis.testing.web import post

    deal = deal_in(records, ["qualify"])
    answer = post(client, f"/app/deal/{deal.id}/move", {"to": "lost"}, headers={"Accept": "application/json"})
    error = answer.get_json()["error"]
    assert answer.status_code == 422 and error["message"] == "Lost reason: is required to 'Lost'"
    assert list(error["fields"]) == ["lost_reason"]
    assert records.get("deal", deal.id)["stage"] == "qualified"


def test_the_deal_board_has_a_column_per_pipeline_stage(client, records):
    deal_in(records, ["qualify"])
    page = client.get("/app/deal/kanban").get_data(as_text=True)
    assert all(stage in page.lower() for stage in ("new", "qualified", "proposal", "negotiation", "won", "lost"))
