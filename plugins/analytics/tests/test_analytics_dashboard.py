"""The analytics dashboard over the hand-computed customers of conftest (see test_analytics_rfm)."""

from datetime import date

import pytest
from trellis.testing.web import signed_in_client
from trellis_plugins.analytics.job import run_all


def test_the_dashboard_shows_the_rfm_grid_the_churn_list_and_clv_by_segment(trellis_app, records, people):
    with trellis_app.app_context():
        run_all(date(2026, 6, 30))
    client = signed_in_client(trellis_app)
    page = client.get("/dashboards/analytics").get_data(as_text=True)
    # R3 F1 is Ann, R3 F4 is Dan: the grid counts one customer in each; 5 in all
    assert 'data-r="3" data-f="1" data-count="1"' in page and 'data-r="3" data-f="4" data-count="1"' in page
    assert 'data-total="5"' in page and 'data-r="4" data-f="4" data-count="0"' in page
    # only Bob (100) reaches the "high" churn risk of 70, with his first reason in words
    assert "Bobson" in page and "no order for 200 days; usually every 50" in page and "Danson" not in page
    assert "Lifetime value by segment" in page and "Top product pairs" in page
    cat = client.get(f"/app/contact/{people['Cat'].id}").get_data(as_text=True)
    # the CLV with its inputs: 150 a order × 2 orders a year × 3 years
    assert "<bdi>900</bdi>" in cat and "<bdi>150</bdi> average order" in cat and "<bdi>3</bdi> years" in cat


@pytest.fixture
def trellis_config(trellis_config, request):
    if "language" in request.node.name:
        return {**trellis_config, "LOCALE": "ru"}
    return trellis_config


def test_the_churn_reasons_read_in_the_viewers_language(trellis_app, records, people):
    with trellis_app.app_context():
        run_all(date(2026, 6, 30))
    client = signed_in_client(trellis_app)
    page = client.get(f"/app/contact/{people['Bob'].id}").get_data(as_text=True)
    assert "R1 F2 M1" in page and "<bdi>нет заказов 200 дн.; обычно раз в 50</bdi>" in page
    assert "Наибольший риск оттока" in client.get("/dashboards/analytics").get_data(as_text=True)


def test_the_scores_filter_the_contact_list(trellis_app, records, people):
    with trellis_app.app_context():
        run_all(date(2026, 6, 30))
    page = signed_in_client(trellis_app).get("/app/contact?churn_risk__gte=70").get_data(as_text=True)
    assert "Bobson" in page and "Evesson" not in page and "Danson" not in page
