"""Web-to-lead with a campaign's UTM name: the lead gets the campaign as its campaign and source, and counts in
the campaign's results."""

import pytest
from trellis_plugins.marketing.results import results


@pytest.fixture
def trellis_config(trellis_config):
    form = {"entity": "lead", "fields": ["first_name", "last_name", "email", "campaign"],
            "values": {"source": "web_form"}}
    return {**trellis_config, "API_FORMS": {"contact_us": form}}


def submit(app, **values):
    answer = app.test_client().post("/api/v1/forms/contact_us", json={"last_name": "Lee", **values})
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)


def test_a_form_lead_carrying_a_campaigns_utm_name_has_that_campaign_as_its_source(trellis_app, records):
    spring = records.create("marketing_campaign", {"name": "Spring sale", "utm_campaign": "spring-2026"})
    records.create("marketing_campaign", {"name": "Call the May buyers", "channel": "call_list"})
    submit(trellis_app, email="ann@example.com", campaign="Spring-2026")
    submit(trellis_app, email="bob@example.com", campaign="call the may buyers ")
    submit(trellis_app, email="cid@example.com", campaign="a partner's newsletter")
    submit(trellis_app, email="dan@example.com")
    leads = {lead["email"]: (lead["campaign"], lead["source"]) for lead in records.query("lead").iterate()}
    assert leads == {"ann@example.com": ("spring-2026", "email"),
                     "bob@example.com": ("Call the May buyers", "phone"),
                     "cid@example.com": ("a partner's newsletter", "web_form"),
                     "dan@example.com": (None, "web_form")}
    assert results(records, records.get("marketing_campaign", spring.id))["leads"] == 1


def test_a_source_chosen_by_hand_is_kept(records):
    records.create("marketing_campaign", {"name": "Spring sale", "utm_campaign": "spring-2026"})
    lead = records.create("lead", {"last_name": "Eve", "campaign": "spring-2026", "source": "exhibition"})
    assert (lead["campaign"], lead["source"]) == ("spring-2026", "exhibition")
