"""``trellis demo``'s analytics: a year of orders gives every part of the dashboard something to show."""

from trellis.testing.web import signed_in_client


def test_the_demo_dashboard_shows_segments_churn_and_product_pairs(trellis_app, records):
    from trellis.demo import load_demo_data

    load_demo_data(trellis_app)
    customers = list(records.query("contact").filter(paid_orders__gte=1).iterate())
    segments = {c["rfm_segment"] for c in customers}
    assert len(customers) >= 20 and {"champions", "at_risk", "new", "lost"} <= segments
    assert any(c["churn_risk"] >= 70 for c in customers) and any(c["churn_risk"] == 0 for c in customers)
    assert records.query("product_pair").filter(lift__gt=1).count()[0] >= 5
    scored = records.query("lead").filter(conversion_chance__isnull=False).count()[0]
    page = signed_in_client(trellis_app).get("/dashboards/analytics").get_data(as_text=True)
    assert "analytics-churn-list" in page and "analytics-top-pairs" in page
    assert scored > 0
