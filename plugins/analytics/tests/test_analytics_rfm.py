"""RFM quintiles with ties, segments, CLV and churn reasons on a hand-computed data set.

Five customers on 2026-06-30 (window 365 days; the recent half is from 2026-01-01,
181 days back). Paid = delivered; a cancelled order and an order older than the
window count for nothing. Quintile = 1 + floor(5 * (rank - 1) / 5) = rank's score
with RANK() (ties share the lowest rank):

    customer  last order   orders  spend   R rank→score  F rank→score  M rank→score
    Ann       10 days ago  1       100     3 → 3         1 → 1         1 → 1
    Bob       200 days     2       100     1 → 1         2 → 2         1 → 1
    Cat       20 days      2       300     2 → 2         2 → 2         3 → 3
    Dan       10 days      3       300     3 → 3         4 → 4         3 → 3
    Eve       5 days       5       500     5 → 5         5 → 5         5 → 5
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from trellis.automation.schedule import tick

TODAY = date(2026, 6, 30)


def nightly(app, day=TODAY):
    tick(app, datetime.combine(day, time(3, 15), tzinfo=UTC))


def scores(records, people):
    return {name: (c := records.get("contact", person.id))["rfm_recency"] and
            (c["rfm_recency"], c["rfm_frequency"], c["rfm_monetary"], c["rfm_segment"])
            for name, person in people.items()}


def test_the_nightly_job_gives_hand_computed_quintiles_with_ties_sharing_a_score(trellis_app, records, people):
    nightly(trellis_app)
    assert scores(records, people) == {
        "Ann": (3, 1, 1, "promising"), "Bob": (1, 2, 1, "lost"), "Cat": (2, 2, 3, "hibernating"),
        "Dan": (3, 4, 3, "loyal"), "Eve": (5, 5, 5, "champions"), "Fay": None}


def test_lifetime_value_is_average_order_times_orders_a_year_times_the_lifetime(trellis_app, records, people):
    nightly(trellis_app)
    cat = records.get("contact", people["Cat"].id)
    # 300 / 2 = 150 a order; 2 orders in 365 days = 2.00 a year; lifetime 3 years: 150 × 2 × 3
    assert (cat["average_order"], cat["orders_per_year"], cat["clv"]) == (Decimal("150.00"), Decimal("2.00"),
                                                                         Decimal("900.00"))
    assert records.get("contact", people["Eve"].id)["clv"] == Decimal("1500.00")   # 100 × 5 × 3


def test_churn_risk_adds_the_overdue_gap_and_the_falls_in_orders_and_spending(trellis_app, records, people):
    nightly(trellis_app)
    bob = records.get("contact", people["Bob"].id)
    # Bob: usual gap 50 days, none for 200: 200/50 = 4 gaps ≥ lost_ratio 3 → 70; both orders before the
    # recent half: orders 0 vs 2 → 20, spending 0 vs 100 → 10. Risk 100.
    assert bob["churn_risk"] == 100
    assert bob["churn_reasons"] == [
        {"code": "overdue", "points": 70, "days": 200, "gap": 50},
        {"code": "fewer_orders", "points": 20, "recent": 0, "earlier": 2},
        {"code": "less_spend", "points": 10, "recent": "0.00", "earlier": "100.00"}]
    dan = records.get("contact", people["Dan"].id)
    # Dan: gap 290/2 = 145, 10 days since: 0; 1 recent order vs 2 → 20 × 1/2 = 10; 100 vs 200 → 10 × 1/2 = 5
    assert (dan["churn_risk"], [r["code"] for r in dan["churn_reasons"]]) == (15, ["fewer_orders", "less_spend"])
    assert records.get("contact", people["Eve"].id)["churn_risk"] == 0


def test_a_one_order_customer_is_measured_against_the_default_gap(trellis_app, records, place_order):
    gus = records.create("contact", {"first_name": "Gus", "last_name": "Gusson"})
    place_order(records, gus, 225, 80)
    nightly(trellis_app)
    gus = records.get("contact", gus.id)
    # default gap 90: 225/90 = 2.5 gaps → 70 × 1.5/2 = 52.5; 0 vs 1 order → 20; 0 vs 80 spent → 10: 82.5 → 83
    assert gus["churn_risk"] == 83
    assert [(r["code"], r["points"]) for r in gus["churn_reasons"]] == [("one_order", 52.5), ("fewer_orders", 20),
                                                                         ("less_spend", 10)]


def test_a_second_run_writes_nothing_and_a_lost_customer_is_cleared(trellis_app, records, people):
    from trellis_plugins.analytics.job import run_all

    with trellis_app.app_context():
        first = run_all(TODAY)
        again = run_all(TODAY)
    assert (first["contacts"]["written"], again["contacts"]["written"]) == (5, 0)
    history = records.history("contact", people["Eve"].id, fields={"rfm_segment"})
    assert [(change.new, change.actor) for change in history] == [("champions", "analytics")]
    with trellis_app.app_context():
        later = run_all(TODAY + timedelta(days=400))   # every order has left the window
    assert later["contacts"]["cleared"] == 5
    assert records.get("contact", people["Eve"].id)["rfm_segment"] is None


def test_segments_come_from_the_organisations_yaml(trellis_app, records, people, analytics_yaml):
    nightly(trellis_app)
    assert records.get("contact", people["Eve"].id)["rfm_segment"] == "vip"


@pytest.fixture
def analytics_yaml(request):
    if request.node.name.startswith("test_segments_come"):
        return "analytics: ours\nsegments:\n  vip: {r: [5, 5]}\n"
    return None


def test_quintiles_round_down_when_the_customers_do_not_divide_by_five(trellis_app, records, place_order):
    # 7 customers with 1..7 orders: 1 + floor(5 × (rank − 1) / 7) = 1, 1, 2, 3, 3, 4, 5 (rounding would give 6s)
    people = [records.create("contact", {"first_name": "C", "last_name": f"Seven {n}"}) for n in range(1, 8)]
    for n, person in enumerate(people, start=1):
        for day in range(n):
            place_order(records, person, 10 + day, 10)
    nightly(trellis_app)
    assert [records.get("contact", p.id)["rfm_frequency"] for p in people] == [1, 1, 2, 3, 3, 4, 5]


def test_reading_and_writing_in_lists_of_two_gives_the_same_scores(trellis_app, records, people, monkeypatch):
    from trellis_plugins.analytics import job

    monkeypatch.setattr(job, "CHUNK", 2)   # five customers: lists of 2, 2 and 1
    with trellis_app.app_context():
        done = job.run_all(TODAY)
    assert done["contacts"] == {"customers": 5, "written": 5, "cleared": 0}
    assert scores(records, people) == {
        "Ann": (3, 1, 1, "promising"), "Bob": (1, 2, 1, "lost"), "Cat": (2, 2, 3, "hibernating"),
        "Dan": (3, 4, 3, "loyal"), "Eve": (5, 5, 5, "champions"), "Fay": None}


def test_only_the_segment_keeps_history_of_the_scores(trellis_app, records, people):
    nightly(trellis_app)
    changed = {change.field for change in records.history("contact", people["Eve"].id)}
    assert "rfm_segment" in changed and not changed & {"churn_risk", "churn_reasons", "clv", "rfm_recency"}


def test_the_next_night_writes_only_the_customers_whose_scores_moved(trellis_app, records, people):
    from trellis_plugins.analytics.job import run_all

    with trellis_app.app_context():
        run_all(TODAY)
        again = run_all(TODAY)
        later = run_all(TODAY + timedelta(days=1))
    # a day on: Bob's overdue reason counts 201 days; Cat (every 20 days, last 20 days ago) becomes overdue
    assert later["contacts"]["written"] == 2
    assert records.get("contact", people["Cat"].id)["churn_reasons"][0]["code"] == "overdue"
    if trellis_app.config["DATABASE_URL"].startswith("postgresql"):
        # the database compares the stored scores itself: only the rows to write come back
        assert (again["contacts"]["customers"], later["contacts"]["customers"]) == (0, 2)
    else:
        assert (again["contacts"]["customers"], later["contacts"]["customers"]) == (5, 5)
