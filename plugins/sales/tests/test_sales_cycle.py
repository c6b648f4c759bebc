"""The whole sales cycle over the REST API: web-form lead -> convert -> pipeline -> quote -> accept -> order."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from trellis.testing.api import bearer, new_user
from trellis.testing.web import signed_in_client


@pytest.fixture
def trellis_config(trellis_config):
    form = {"entity": "lead", "fields": ["first_name", "last_name", "company_name", "email", "expected_amount"],
            "values": {"source": "web_form", "campaign": "Spring webinar"}}
    return {**trellis_config, "API_FORMS": {"contact_us": form}}


@pytest.fixture
def api(trellis_app):
    client = trellis_app.test_client()
    headers = bearer(trellis_app, new_user(trellis_app, "admin@example.com"), scope="write")

    def call(method, path, body=None, expect=(200, 201)):
        response = client.open(f"/api/v1/{path}", method=method, json=body, headers=headers)
        assert response.status_code in expect, response.get_data(as_text=True)
        return response.get_json()

    return call


@pytest.fixture
def web(trellis_app):
    """A sales manager's browser session: what a person sees of the same records."""
    return signed_in_client(trellis_app, "manager@example.com", role="sales_manager", name="Sales Manager")


def text_of(html):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def timeline(web, entity, record_id):
    """The timeline of a detail page: each change as ``Field: old → new``, each initial value of the
    record's creation as ``created Field: value``."""
    page = web.get(f"/app/{entity}/{record_id}")
    assert page.status_code == 200
    events = page.get_data(as_text=True).split('<ol class="timeline">')[1].split("</ol>")[0]
    changes = {text_of(item) for item in re.findall(r"<li><strong>.*?</li>", events)}
    created = {f"created {text_of(label)}: {text_of(value)}"
               for label, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", events)}
    return changes | created


def dashboard(web):
    """The rows of /dashboards/sales by report: ``stage <label>``, ``month <Mon YYYY>``, ``source <label>``
    (each report's data table), and ``targets``: the targets widget's rows (who, period, won, target, %)."""
    page = web.get("/dashboards/sales")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    numbers = {}
    for report, key in (("pipeline_by_stage", "stage"), ("forecast_by_month", "month"), ("lead_sources", "source")):
        block = html.split(f'data-report="{report}"')[1].split("</table>")[0]
        for row in block.split("<tbody>")[1].split("<tr")[1:] if "<tbody>" in block else []:
            cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            numbers[f"{key} {cells[0]}"] = cells
    targets = html.split("class='sales-targets'")[1].split("<tbody>")[1].split("</tbody>")[0]
    numbers["targets"] = [[text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
                          for row in targets.split("<tr")[1:]]
    return numbers


def body(payload):
    """A record from an API answer, whether or not it is wrapped in ``data``."""
    return payload.get("data", payload) if isinstance(payload, dict) else payload


def link(value):
    return value.get("id") if isinstance(value, dict) else value


def test_a_web_form_lead_becomes_an_order(trellis_app, api, web):
    def name(entity, record_id):  # the timeline names linked records by their title
        return body(api("GET", f"{entity}/{record_id}"))["name"]

    posted = trellis_app.test_client().post("/api/v1/forms/contact_us", json={
        "first_name": "Grace", "last_name": "Hopper", "company_name": "Navy Labs", "email": "grace@example.com",
        "expected_amount": 900})
    assert posted.status_code in (200, 201), posted.get_data(as_text=True)
    [lead] = api("GET", "lead?email=grace@example.com")["data"]
    assert (lead["source"], lead["campaign"], lead["status"]) == ("web_form", "Spring webinar", "new")
    for move in ("mark_contacted", "qualify", "convert"):
        lead = body(api("POST", f"lead/{lead['id']}/transitions/{move}"))
    lead = body(api("GET", f"lead/{lead['id']}"))
    deal_id, contact_id = link(lead["deal"]), link(lead["contact"])
    assert lead["status"] == "converted" and deal_id and contact_id and link(lead["company"])
    assert {"created Source: Web form", "created Campaign: Spring webinar", "created Status: New",
            "Status: New → Contacted", "Status: Contacted → Qualified", "Status: Qualified → Converted",
            f"Deal: — → {name('deal', deal_id)}",
            f"Contact: — → {name('contact', contact_id)}"} <= timeline(web, "lead", lead["id"])

    close = date.today() + timedelta(days=40)
    api("PATCH", f"deal/{deal_id}", {"close_date": close.isoformat()})
    for move in ("qualify", "propose", "negotiate"):
        deal = body(api("POST", f"deal/{deal_id}/transitions/{move}"))
    assert (deal["stage"], float(deal["probability"])) == ("negotiation", 80.0)
    owner = link(deal["owner"])
    assert owner  # the web form's lead had no owner: the deal is the converting user's
    api("POST", "sales_target", {"name": "Grace's quarter", "user": owner, "amount": 1800,
                                 "period_start": (close - timedelta(days=90)).isoformat(),
                                 "period_end": (close + timedelta(days=90)).isoformat()})
    numbers = dashboard(web)
    month = f"{close:%b %Y}"
    assert numbers["stage Negotiation"] == ["Negotiation", "900.00", "1"]
    assert numbers[f"month {month}"] == [month, "720.00", "1"]  # 900 at 80 %
    assert [row[2:] for row in numbers["targets"]] == [["0.00", "1,800.00", "0%"]]

    quote = body(api("POST", "quote", {"name": "Q-1 Navy Labs", "deal": deal_id, "contact": contact_id}))
    product = body(api("POST", "product", {"code": "CRM", "name": "CRM licence", "price": 300}))
    api("POST", "quote_line", {"quote": quote["id"], "product": product["id"], "qty": 3})
    assert float(body(api("GET", f"quote/{quote['id']}"))["total"]) == 900.0
    for move in ("send", "accept"):
        api("POST", f"quote/{quote['id']}/transitions/{move}")
    rows = api("GET", f"order?quote={quote['id']}")["data"]
    assert len(rows) == 1 and float(rows[0]["amount"]) == 900.0
    quote_events = timeline(web, "quote", quote["id"])
    assert {"created Status: Draft", "Status: Draft → Sent", "Status: Sent → Accepted"} <= quote_events
    assert not any(event.startswith("Total") for event in quote_events)   # a roll-up: computed, left out
    assert {"created Quote: Q-1 Navy Labs", f"created Deal: {name('deal', deal_id)}", "created Amount: 900.00",
            "created Status: Open"} <= timeline(web, "order", rows[0]["id"])

    deal = body(api("POST", f"deal/{deal_id}/transitions/win"))
    assert (deal["stage"], float(deal["probability"])) == ("won", 100.0)
    deal_events = timeline(web, "deal", deal_id)
    assert {"created Stage: New", f"created Lead: {name('lead', lead['id'])}", "Stage: New → Qualified",
            "Stage: Qualified → Proposal",
            "Stage: Proposal → Negotiation", "Stage: Negotiation → Won", "Probability: 80% → 100%"} <= deal_events
    assert not any(event.startswith("Expected revenue") for event in deal_events)   # computed

    numbers = dashboard(web)
    assert numbers["stage Won"] == ["Won", "900.00", "1"]
    assert numbers["stage Negotiation"] == ["Negotiation", "—", "0"]
    assert f"month {month}" not in numbers
    assert [row[2:] for row in numbers["targets"]] == [["900.00", "1,800.00", "50%"]]
    assert numbers["source Web form"] == ["Web form", "1", "1", "100%"]  # one lead from the web form, converted


def test_losing_a_deal_over_the_api_without_a_reason_is_refused(api):
    contact = body(api("POST", "contact", {"last_name": "Babbage"}))
    deal = body(api("POST", "deal", {"name": "Engine", "contact": contact["id"], "amount": 10}))
    refused = api("POST", f"deal/{deal['id']}/transitions/lose", expect=(400, 409, 422))
    assert "lost_reason" in str(refused)
