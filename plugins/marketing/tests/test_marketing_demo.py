"""``trellis demo``'s marketing records: lists, the Mother's Day segment over demo orders, two sent campaigns."""

from datetime import date

from trellis_plugins.marketing import results, segments


def test_demo_data_gives_two_sent_campaigns_with_results(trellis_app, records):
    from trellis.demo import load_demo_data

    load_demo_data(trellis_app)
    assert segments.count(records, segments.find(records, "mothers_day"), date.today()) >= 1
    campaigns = list(records.query("marketing_campaign").iterate())
    assert sorted(c["status"] for c in campaigns) == ["sent", "sent"]
    for campaign in campaigns:
        numbers = results.results(records, campaign)
        assert numbers["sent"] > 0 and numbers["opened"] > 0 and numbers["leads"] == 3 and numbers["roi"] is not None
    page = client_page(trellis_app)
    assert page.status_code == 200 and "Email funnel" in page.text
    assert "could not" not in page.text.lower() and "error" not in page.text.lower(), page.text[:200]


def client_page(app):
    from trellis.testing.web import signed_in_client

    return signed_in_client(app).get("/dashboards/marketing")
