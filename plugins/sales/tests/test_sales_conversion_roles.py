"""A salesperson converts her own lead through the web page (it was refused: the conversion set owners
that only a role writing every record may set)."""

import pytest
from trellis.data.records import records_for
from trellis.testing.web import post


@pytest.fixture
def ann(client_as):
    return client_as("salesperson")


@pytest.fixture
def lead(trellis_app, ann):
    with trellis_app.app_context():
        system = records_for(trellis_app)
        lead = system.create("lead", {"first_name": "Ada", "last_name": "Lovelace",
                                      "company_name": "Analytical Engines", "owner": ann.user_id})
        for move in ("qualify",):
            lead = system.transition("lead", lead.id, move)
        return lead


def test_a_salesperson_converts_her_own_lead_through_the_page(trellis_app, ann, lead):
    answer = post(ann, f"/app/lead/{lead.id}/transition/convert", {"version": lead.version})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:2000]
    with trellis_app.app_context():
        system = records_for(trellis_app)
        converted = system.get("lead", lead.id)
        deal = system.get("deal", converted["deal"])
        contact = system.get("contact", converted["contact"])
        company = system.get("company", converted["company"])
    assert converted["status"] == "converted"
    assert (deal["owner"], contact["owner"], company["owner"]) == (ann.user_id,) * 3
    assert ann.get(f"/app/deal/{deal.id}").status_code == 200   # and she may open what she made


def test_a_salesperson_still_cannot_convert_a_colleagues_lead(trellis_app, ann, lead, client_as):
    bob = client_as("salesperson")
    answer = post(bob, f"/app/lead/{lead.id}/transition/convert", {"version": lead.version})
    assert answer.status_code == 404
    with trellis_app.app_context():
        assert records_for(trellis_app).get("lead", lead.id)["status"] == "qualified"
