"""Lead scoring: naive Bayes over ``source`` on a hand-computed set of past leads.

Past leads: web_form 3 converted, 1 disqualified; cold_call 1 converted, 3 disqualified.
N = 8, n1 = n0 = 4, K(source) = 2 values. Prior P(1) = (4+1)/(8+2) = 1/2.

    P(web_form | 1) = (3+1)/(4+2+1) = 4/7     P(web_form | 0) = (1+1)/7 = 2/7
    P(cold_call | 1) = 2/7                    P(cold_call | 0) = 4/7
    P(referral | c) = (0+1)/7 for both (never seen)

    web_form: (1/2 · 4/7) / (1/2 · 4/7 + 1/2 · 2/7) = 4/6 = 66.7 %, ratio 2
    cold_call: 2/6 = 33.3 %, ratio 0.5;   referral: 50.0 %, ratio 1
"""

from datetime import date
from decimal import Decimal

import pytest
from trellis_plugins.analytics.job import run_all


@pytest.fixture
def analytics_yaml():
    return "analytics: ours\nlead_scoring: {fields: [source]}\n"


def lead(records, source, end=None):
    made = records.create("lead", {"last_name": f"Lead {source}", "source": source})
    if end == "converted":
        records.transition("lead", made.id, "qualify")
        records.transition("lead", made.id, "convert")
    elif end == "disqualified":
        records.transition("lead", made.id, "disqualify")
    return made


def test_open_leads_get_the_hand_computed_chance_and_the_fields_behind_it(trellis_app, records):
    for source, converted, lost in (("web_form", 3, 1), ("cold_call", 1, 3)):
        for _ in range(converted):
            lead(records, source, "converted")
        for _ in range(lost):
            lead(records, source, "disqualified")
    web, cold, referral = lead(records, "web_form"), lead(records, "cold_call"), lead(records, "referral")
    with trellis_app.app_context():
        done = run_all(date(2026, 6, 30))
    assert done["leads"] == {"past": 8, "scored": 3, "written": 3}
    assert records.get("lead", web.id)["conversion_chance"] == Decimal("66.7")
    assert records.get("lead", cold.id)["conversion_chance"] == Decimal("33.3")
    assert records.get("lead", referral.id)["conversion_chance"] == Decimal("50.0")
    assert records.get("lead", web.id)["score_factors"] == [{"field": "source", "value": "web_form", "ratio": 2.0}]
    assert records.get("lead", cold.id)["score_factors"] == [{"field": "source", "value": "cold_call", "ratio": 0.5}]


def test_without_both_converted_and_lost_leads_nothing_is_scored(trellis_app, records):
    lead(records, "web_form", "converted")
    waiting = lead(records, "web_form")
    with trellis_app.app_context():
        done = run_all(date(2026, 6, 30))
    assert done["leads"]["scored"] == 0
    assert records.get("lead", waiting.id)["conversion_chance"] is None


def test_the_lead_page_says_which_fields_raise_or_lower_the_chance(trellis_app, records):
    from trellis.testing.web import signed_in_client

    for source, end in (("web_form", "converted"), ("cold_call", "disqualified")):
        lead(records, source, end)
    web = lead(records, "web_form")
    with trellis_app.app_context():
        run_all(date(2026, 6, 30))
    page = signed_in_client(trellis_app).get(f"/app/lead/{web.id}").get_data(as_text=True)
    # 1 past lead of each: P(web|1) = 2/4, P(web|0) = 1/4: 2/3 = 66.7 %, raised by the source
    assert 'data-chance="66.7"' in page and 'data-field="source" data-raises="yes"' in page
    assert "Web form" in page
