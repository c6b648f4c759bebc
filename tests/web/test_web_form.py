"""The generated form and detail page: create, validation errors, conflicts, conditions, delete, notes."""

import re

import pytest
from trellis.testing.web import post, signed_in_client
from web_timeline_helpers import events_of, timeline_text

DEAL = """
entity: deal
label: {en: Deal}
title: name
fields:
  name:        {type: string, required: true, max_length: 200}
  stage:       {type: selection, options: [new, won, lost], default: new}
  lost_reason: {type: string, visible: "stage == 'lost'", required_if: "stage == 'lost'"}
  amount:      {type: money}
  company:     {type: link, to: company}
form:
  - section: Deal
    fields: [name, [stage, amount]]
  - tab: Details
    fields: [lost_reason, company]
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    folder = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "deal.yaml").write_text(DEAL, encoding="utf-8")
    trellis_config["PLUGINS"] = ["contacts"]  # this test defines its own deal: keep the sales plugin out
    return trellis_config


@pytest.fixture
def web(app):
    return signed_in_client(app)


def form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else None


def test_the_form_has_the_yaml_sections_tabs_and_side_by_side_rows(web):
    page = web.get("/app/deal/new").get_data(as_text=True)
    assert "<legend>Deal</legend>" in page
    assert 'data-tab="Details"' in page
    assert re.search(r'class="row cols-2">\s*<div class="field[^"]*" data-field="stage"', page)
    assert '<select id="f-stage" name="stage"' in page
    assert 'type="number"' in page and 'name="amount"' in page


def test_a_link_field_is_an_autocomplete_input_not_a_list_of_records(web, records):
    records.create("company", {"name": "Acme"})
    page = web.get("/app/deal/new").get_data(as_text=True)
    assert 'data-autocomplete="/app/company/autocomplete"' in page
    assert "Acme" not in page


def test_creating_a_record_redirects_to_its_page(web, records):
    r = post(web, "/app/deal/new", {"name": "Big one", "stage": "new", "amount": "100"})
    assert r.status_code == 302
    deal_id = int(r.location.rsplit("/", 1)[1])
    assert records.get("deal", deal_id)["name"] == "Big one"


def test_a_refused_form_comes_back_with_the_input_and_a_message_per_field(web, records):
    r = post(web, "/app/deal/new", {"name": "", "stage": "lost", "amount": "12.5"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert form_value(page, "amount") == "12.5"
    assert re.search(r'id="f-name-error">is required', page)
    assert re.search(r'id="f-lost_reason-error">', page)
    assert records.query("deal").count() == (0, False)


def test_saving_sends_only_the_changed_fields(web, records):
    deal = records.create("deal", {"name": "A", "amount": "5"})
    r = post(web, f"/app/deal/{deal.id}", {"name": "B", "stage": "new", "amount": "5.00", "version": "1"},
             form_page=f"/app/deal/{deal.id}")
    assert r.status_code == 302
    assert [c.field for c in records.history("deal", deal.id) if c.old is not None] == ["name"]


def test_a_stale_edit_is_a_conflict_that_keeps_the_users_input(web, records):
    deal = records.create("deal", {"name": "Original"})
    records.update("deal", deal.id, {"name": "Changed by someone"})
    r = post(web, f"/app/deal/{deal.id}", {"name": "Mine", "stage": "new", "version": "1"},
             form_page=f"/app/deal/{deal.id}")
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "was changed by" in page and "reload" in page.lower() and "Overwrite" in page
    assert form_value(page, "name") == "Mine"
    assert records.get("deal", deal.id)["name"] == "Changed by someone"


def test_overwrite_after_a_conflict_saves_the_users_input(web, records):
    deal = records.create("deal", {"name": "Original"})
    records.update("deal", deal.id, {"name": "Changed by someone"})
    r = post(web, f"/app/deal/{deal.id}", {"name": "Mine", "stage": "new", "version": "1", "overwrite": "1"},
             form_page=f"/app/deal/{deal.id}")
    assert r.status_code == 302
    assert records.get("deal", deal.id)["name"] == "Mine"


def test_a_field_with_visible_is_hidden_until_its_condition_holds(web, records):
    page = web.get("/app/deal/new").get_data(as_text=True)
    assert re.search(r'data-field="lost_reason" hidden', page)
    deal = records.create("deal", {"name": "X", "stage": "lost", "lost_reason": "price"})
    page = web.get(f"/app/deal/{deal.id}").get_data(as_text=True)
    assert not re.search(r'data-field="lost_reason" hidden', page)


def test_the_eval_endpoint_says_which_fields_are_visible_and_required(web):
    states = post(web, "/app/deal/_eval", {"name": "X", "stage": "lost"}).get_json()
    assert states["visible"]["lost_reason"] is True
    assert states["required"]["lost_reason"] is True
    states = post(web, "/app/deal/_eval", {"name": "X", "stage": "won"}).get_json()
    assert states["visible"]["lost_reason"] is False
    assert states["required"]["lost_reason"] is False


def test_delete_is_a_post_that_removes_the_record(web, records):
    deal = records.create("deal", {"name": "Gone soon"})
    assert web.get(f"/app/deal/{deal.id}/delete").status_code == 405
    r = post(web, f"/app/deal/{deal.id}/delete")
    assert r.status_code == 302
    assert records.query("deal").count() == (0, False)


def test_an_unknown_record_is_a_404_page(web):
    assert web.get("/app/deal/999").status_code == 404
    assert web.get("/app/nothing").status_code == 404


def test_the_detail_page_lists_records_linking_to_it(web, records):
    acme = records.create("company", {"name": "Acme"})
    records.create("contact", {"last_name": "Petrov", "company": acme.id})
    page = web.get(f"/app/company/{acme.id}").get_data(as_text=True)
    assert "<h2>Contacts</h2>" in page
    assert "Petrov" in page


def test_a_note_added_on_the_detail_page_shows_in_the_timeline_with_the_changes(web, records):
    acme = records.create("company", {"name": "Acme"})
    post(web, f"/app/company/{acme.id}", {"name": "Acme Ltd", "version": "1"}, form_page=f"/app/company/{acme.id}")
    post(web, f"/app/company/{acme.id}/notes", {"body": "Called them today"})
    page = web.get(f"/app/company/{acme.id}").get_data(as_text=True)
    timeline = timeline_text(page)
    assert timeline.index("Called them today") < timeline.index("Acme → Acme Ltd")
    assert "Test Admin" in timeline


def test_money_is_shown_with_two_decimals_and_grouping(web, records):
    records.create("deal", {"name": "Big", "amount": "1234.5"})
    assert "1,234.50" in web.get("/app/deal").get_data(as_text=True)


def test_emails_sent_about_a_record_show_in_its_timeline(app, web, records):
    from datetime import UTC, datetime

    from sqlalchemy import insert
    from trellis.automation.state import automation_state
    from trellis.data.database import db

    acme = records.create("company", {"name": "Acme"})
    with app.app_context():
        db.session.execute(insert(automation_state(app).tables.email_log).values(
            entity="company", record_id=acme.id, automation="welcome", recipient="ceo@acme.example",
            subject="Welcome aboard", status="sent", at=datetime.now(UTC)))
        db.session.commit()
    page = web.get(f"/app/company/{acme.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "Welcome aboard" in timeline and "ceo@acme.example" in timeline and "welcome" in timeline


def statements_of(app, request) -> list[str]:
    """The SQL statements one request runs."""
    from trellis.testing import sql_statements

    with sql_statements(app) as seen:
        assert request().status_code == 200
    return seen


def test_the_detail_page_runs_the_same_few_queries_however_many_records_link_to_it(app, web, records):
    acme = records.create("company", {"name": "Acme"})
    records.create("contact", {"last_name": "First", "company": acme.id})
    few = statements_of(app, lambda: web.get(f"/app/company/{acme.id}"))
    for i in range(15):
        records.create("contact", {"last_name": f"P{i}", "company": acme.id})
        records.create("deal", {"name": f"D{i}", "company": acme.id})
    many = statements_of(app, lambda: web.get(f"/app/company/{acme.id}"))
    assert len(many) == len(few) <= 10
    assert sum("UNION ALL" in s for s in many) == 1   # every related list in one statement


def test_a_related_list_shows_the_first_ten_in_list_order_with_a_link_to_all(web, records):
    acme = records.create("company", {"name": "Acme"})
    for last in ("Kappa", "Alpha", "Delta", "Beta", "Gamma", "Eta", "Iota", "Theta", "Zeta", "Epsilon", "Omega"):
        records.create("contact", {"last_name": last, "company": acme.id})
    page = web.get(f"/app/company/{acme.id}").get_data(as_text=True)
    side = page[page.index("<h2>Contacts "):page.index('id="timeline"')]
    shown = [name.strip() for name in re.findall(r'<li><a href="/app/contact/\d+"><bdi>([^<]*)</bdi></a></li>', side)]
    assert shown == ["Alpha", "Beta", "Delta", "Epsilon", "Eta", "Gamma", "Iota", "Kappa", "Omega", "Theta"]
    assert f'href="/app/contact?company={acme.id}"' in side   # "All…": an eleventh exists
    assert '<span class="count">10+</span>' in side


def test_a_related_list_of_exactly_ten_has_no_link_to_all(web, records):
    acme = records.create("company", {"name": "Acme"})
    for i in range(10):
        records.create("contact", {"last_name": f"P{i}", "company": acme.id})
    page = web.get(f"/app/company/{acme.id}").get_data(as_text=True)
    side = page[page.index("<h2>Contacts "):page.index('id="timeline"')]
    assert len(re.findall(r'<li><a href="/app/contact/\d+">', side)) == 10
    assert f'href="/app/contact?company={acme.id}"' not in side


def test_the_timeline_shows_the_newest_fifty_changes_of_a_much_edited_record(web, records):
    acme = records.create("company", {"name": "N0"})
    for i in range(1, 61):
        records.update("company", acme.id, {"name": f"N{i}"})
    page = web.get(f"/app/company/{acme.id}").get_data(as_text=True)
    timeline = timeline_text(page)
    assert "N59 → N60" in timeline and "N10 → N11" in timeline
    assert "N9 → N10" not in timeline
    assert events_of(page) == ["event change"] * 50
