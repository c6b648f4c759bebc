"""Kanban columns carry their count and the total of ``kanban.sum``; a move answers with every column's
new totals; final and empty columns start folded; the card menu replaces the select on every card."""

import pytest
from trellis.testing.web import post, signed_in_client

DEAL = """
entity: deal
title: name
fields:
  name:   {type: string, required: true}
  amount: {type: money}
  stage:  {type: selection, options: [new, qualified, won]}
kanban: {group_by: stage, card: [name, amount], sum: amount}
"""
WORKFLOW = """
workflow: deal_pipeline
entity: deal
field: stage
states:
  new: {label: New}
  qualified: {label: Qualified}
  won: {label: Won, final: true}
transitions:
  qualify: {from: new, to: qualified}
  win: {from: qualified, to: won}
"""

CLERK = """
roles:
  clerk:
    deal: {read: all, write: all, fields: {amount: none}}
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    root = Path(trellis_config["ORG_DIR"]) / "metadata"
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "workflows").mkdir(parents=True, exist_ok=True)
    (root / "entities" / "deal.yaml").write_text(DEAL, encoding="utf-8")
    (root / "workflows" / "deal.yaml").write_text(WORKFLOW, encoding="utf-8")
    (root / "roles.yaml").write_text(CLERK, encoding="utf-8")
    trellis_config["PLUGINS"] = ["contacts"]  # this test defines its own deal: keep the sales plugin out
    return trellis_config


@pytest.fixture
def web(app):
    return signed_in_client(app)


def column(page: str, value: str) -> str:
    return page.split(f'data-value="{value}"')[1].split('class="column"')[0]


def test_each_column_shows_its_count_and_the_sum_of_its_amounts(web, records):
    records.create("deal", {"name": "A", "amount": "1000.50"})
    records.create("deal", {"name": "B", "amount": "250"})
    records.create("deal", {"name": "C"})
    page = web.get("/app/deal/kanban").get_data(as_text=True)
    new = column(page, "new")
    assert '<span class="column-count" data-count' in new and ">3</span>" in new
    assert "<bdi>1,250.50</bdi>" in new
    assert "<bdi>0.00</bdi>" in column(page, "qualified")


def test_a_move_answers_with_every_columns_new_count_and_sum(web, records):
    deal = records.create("deal", {"name": "A", "amount": "1000"})
    records.create("deal", {"name": "B", "amount": "5"})
    r = post(web, f"/app/deal/{deal.id}/move", {"to": "qualified", "version": str(deal.version)},
             headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.get_json()["columns"] == {"new": {"count": "1", "sum": "5.00"},
                                       "qualified": {"count": "1", "sum": "1,000.00"},
                                       "won": {"count": "0", "sum": "0.00"}}


def test_final_and_empty_columns_start_folded_and_a_column_with_cards_does_not(web, records):
    records.create("deal", {"name": "A"})
    records.transition("deal", records.create("deal", {"name": "Done"}).id, "qualify")
    page = web.get("/app/deal/kanban").get_data(as_text=True)
    head = {value: column(page, value).split(">")[0] for value in ("new", "qualified", "won")}
    assert "data-folded" not in head["new"] and "data-folded" not in head["qualified"]
    assert "data-folded" in head["won"]


def test_a_card_offers_moves_from_its_menu_and_no_select(web, records):
    deal = records.create("deal", {"name": "A"})
    page = web.get("/app/deal/kanban").get_data(as_text=True)
    card = page.split(f'data-id="{deal.id}"')[1].split("</li>")[0]
    assert "<select" not in card and '<details class="card-menu">' in card
    assert 'name="to" value="qualified">Qualified</button>' in card
    assert 'name="to" value="new" hidden>' in card   # not to the column it is in
    r = post(web, f"/app/deal/{deal.id}/move", {"to": "qualified", "version": "1"})   # the menu without JS
    assert r.status_code == 302 and records.get("deal", deal.id)["stage"] == "qualified"


def test_a_user_who_may_not_read_the_amount_sees_counts_but_no_sums(app, records):
    records.create("deal", {"name": "Secret", "amount": "777"})
    page = signed_in_client(app, "clerk@example.com", role="clerk").get("/app/deal/kanban").get_data(as_text=True)
    assert ">1</span>" in column(page, "new")
    assert "777" not in page and "data-sum" not in page
