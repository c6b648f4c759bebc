"""The kanban board: columns per state with their count and the total of ``kanban.sum`` (refreshed by a
move's answer), final and empty columns folded, moving a card through the workflow (by drag or from the
card's menu), refusals with reasons."""

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
  win: {from: qualified, to: won, when: "amount > 0"}
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


def test_the_board_has_a_column_per_state_with_its_cards(web, records):
    records.create("deal", {"name": "First deal"})
    page = web.get("/app/deal/kanban").get_data(as_text=True)
    assert [part.split('"')[0] for part in page.split('class="column" data-value="')[1:]] == \
        ["new", "qualified", "won"]
    new_column = page.split('data-value="new"')[1].split('data-value="qualified"')[0]
    assert "First deal" in new_column


def test_dragging_a_card_runs_the_transition(web, records):
    deal = records.create("deal", {"name": "D"})
    r = post(web, f"/app/deal/{deal.id}/move", {"to": "qualified"}, headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.get_json()["ok"] is True
    assert records.get("deal", deal.id)["stage"] == "qualified"


def test_a_move_the_guard_refuses_comes_back_with_the_reason_and_changes_nothing(web, records):
    deal = records.create("deal", {"name": "D"})
    records.transition("deal", deal.id, "qualify")
    r = post(web, f"/app/deal/{deal.id}/move", {"to": "won"}, headers={"Accept": "application/json"})
    assert r.status_code == 422
    assert "amount > 0" in r.get_json()["error"]["message"]
    assert records.get("deal", deal.id)["stage"] == "qualified"


def test_a_move_no_transition_allows_is_refused(web, records):
    deal = records.create("deal", {"name": "D", "amount": "5"})
    r = post(web, f"/app/deal/{deal.id}/move", {"to": "won"}, headers={"Accept": "application/json"})
    assert r.status_code == 422
    assert "no transition" in r.get_json()["error"]["message"]


def test_without_javascript_the_move_form_redirects_back_to_the_board(web, records):
    deal = records.create("deal", {"name": "D"})
    r = post(web, f"/app/deal/{deal.id}/move", {"to": "qualified"})
    assert r.status_code == 302
    assert r.location == "/app/deal/kanban"


def test_the_detail_page_offers_the_transitions_allowed_now_and_shows_the_state_read_only(web, records):
    deal = records.create("deal", {"name": "D"})
    page = web.get(f"/app/deal/{deal.id}").get_data(as_text=True)
    assert f"/app/deal/{deal.id}/transition/qualify" in page
    assert "/transition/win" not in page
    assert '<select id="f-stage"' not in page
    post(web, f"/app/deal/{deal.id}/transition/qualify", {"version": "1"})
    assert records.get("deal", deal.id)["stage"] == "qualified"


def test_saving_the_form_leaves_the_workflow_state_alone(web, records):
    deal = records.create("deal", {"name": "D"})
    r = post(web, f"/app/deal/{deal.id}", {"name": "Renamed", "version": "1"}, form_page=f"/app/deal/{deal.id}")
    assert r.status_code == 302
    assert records.get("deal", deal.id)["stage"] == "new"
    assert records.get("deal", deal.id)["name"] == "Renamed"


def test_an_entity_without_kanban_has_no_board(web):
    assert web.get("/app/note/kanban").status_code == 404


def test_the_form_cannot_move_a_deal_to_another_state(web, records):
    deal = records.create("deal", {"name": "D", "amount": 5})
    r = post(web, f"/app/deal/{deal.id}", {"name": "D", "stage": "won", "version": "1"},
             form_page=f"/app/deal/{deal.id}")
    assert r.status_code == 422 and "by a workflow transition" in r.get_data(as_text=True)
    assert records.get("deal", deal.id)["stage"] == "new"


def test_a_new_deal_posted_in_a_later_state_is_refused_and_not_created(web, records):
    r = post(web, "/app/deal/new", {"name": "Skipper", "stage": "won", "amount": "5"}, form_page="/app/deal/new")
    assert r.status_code == 422 and "starts in &#39;new&#39;" in r.get_data(as_text=True)
    assert records.query("deal").filter(name="Skipper").first() is None


def test_bulk_set_cannot_move_deals_between_states(web, records):
    deal = records.create("deal", {"name": "D", "amount": 5})
    post(web, "/app/deal/bulk", {"action": "set", "field": "stage", "value": "won", "ids": [str(deal.id)]},
         form_page="/app/deal")
    assert records.get("deal", deal.id)["stage"] == "new"


def test_an_import_cannot_create_deals_past_the_first_state(app, records, trellis_config, tmp_path,
                                                            monkeypatch, capsys):
    from trellis.cli import main

    source = tmp_path / "deals.csv"
    source.write_text("name,stage,amount\nFresh,new,5\nSkipper,won,5\n", encoding="utf-8")
    monkeypatch.setenv("TRELLIS_ORG_DIR", trellis_config["ORG_DIR"])
    monkeypatch.setenv("TRELLIS_DATABASE_URL", trellis_config["DATABASE_URL"])
    monkeypatch.setenv("TRELLIS_PLUGINS", "contacts")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["import", "deal", str(source)])
    assert "starts in 'new'" in capsys.readouterr().out + (tmp_path / "deals-errors.csv").read_text()
    assert [r["name"] for r in records.query("deal").order_by("name").page(size=10).rows] == ["Fresh"]


def test_a_refused_move_names_the_field_by_its_label(web, records, app):
    from trellis.errors import ValidationError
    from trellis.runtime import runtime
    from trellis.web.boards import _reason

    with app.app_context():
        meta = runtime(app).metadata.entity("deal")
        meta.fields["amount"].label = {"en": "Deal amount"}
        assert _reason(ValidationError({"amount": "is required", "__all__": "not now"}), meta) == \
            "Deal amount: is required; not now"


def test_the_workflow_page_draws_the_states_and_lists_the_transitions(web):
    board = web.get("/app/deal/kanban").get_data(as_text=True)
    assert 'href="/app/deal/workflow"' in board
    page = web.get("/app/deal/workflow").get_data(as_text=True)
    assert "<svg" in page and 'data-state="qualified"' in page and 'data-transition="win"' in page
    assert ">Qualified</text>" in page and "amount &gt; 0" in page


def test_an_entity_without_a_workflow_has_no_workflow_page(web):
    assert web.get("/app/note/workflow").status_code == 404


def test_a_user_who_may_not_read_the_entity_does_not_see_its_workflow(app):
    from trellis.testing.web import signed_in_client

    outsider = signed_in_client(app, "outsider@example.com", role=None, name="Outsider")
    assert outsider.get("/app/deal/workflow").status_code in (403, 404)


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


def test_list_filters_narrow_the_board_and_the_totals_a_move_answers(web, records):
    deal = records.create("deal", {"name": "Mine", "amount": "1000"})
    records.create("deal", {"name": "Other", "amount": "5"})
    page = web.get("/app/deal/kanban?name=Mine").get_data(as_text=True)
    assert f'data-id="{deal.id}"' in page and "Other" not in page
    assert f'action="/app/deal/{deal.id}/move?name=Mine"' in page     # the move keeps the board's filter
    r = post(web, f"/app/deal/{deal.id}/move?name=Mine", {"to": "qualified", "version": str(deal.version)},
             headers={"Accept": "application/json"})
    assert r.get_json()["columns"]["new"] == {"count": "0", "sum": "0.00"}
    assert web.get("/app/deal/kanban?nosuchfield=1").status_code == 400


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
