"""The whole sales cycle over the REST API: web-form lead -> convert -> pipeline -> quote -> accept -> order."""

import pytest
from trellis.api.testing import bearer, new_user


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


def body(payload):
    """A record from an API answer, whether or not it is wrapped in ``data``."""
    return payload.get("data", payload) if isinstance(payload, dict) else payload


def link(value):
    return value.get("id") if isinstance(value, dict) else value


def test_a_web_form_lead_becomes_an_order(trellis_app, api):
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

    for move in ("qualify", "propose", "negotiate"):
        deal = body(api("POST", f"deal/{deal_id}/transitions/{move}"))
    assert (deal["stage"], float(deal["probability"])) == ("negotiation", 80.0)

    quote = body(api("POST", "quote", {"name": "Q-1 Navy Labs", "deal": deal_id, "contact": contact_id}))
    product = body(api("POST", "product", {"code": "CRM", "name": "CRM licence", "price": 300}))
    api("POST", "quote_line", {"quote": quote["id"], "product": product["id"], "qty": 3})
    assert float(body(api("GET", f"quote/{quote['id']}"))["total"]) == 900.0
    for move in ("send", "accept"):
        api("POST", f"quote/{quote['id']}/transitions/{move}")
    rows = api("GET", f"order?quote={quote['id']}")["data"]
    assert len(rows) == 1 and float(rows[0]["amount"]) == 900.0

    deal = body(api("POST", f"deal/{deal_id}/transitions/win"))
    assert (deal["stage"], float(deal["probability"])) == ("won", 100.0)
    history = api("GET", f"deal/{deal_id}/history")
    text = str(history)
    assert "negotiation" in text and "won" in text


def test_losing_a_deal_over_the_api_without_a_reason_is_refused(api):
    contact = body(api("POST", "contact", {"last_name": "Babbage"}))
    deal = body(api("POST", "deal", {"name": "Engine", "contact": contact["id"], "amount": 10}))
    refused = api("POST", f"deal/{deal['id']}/transitions/lose", expect=(400, 409, 422))
    assert "lost_reason" in str(refused)
