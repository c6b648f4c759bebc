"""Reports' SQL: known answers for every measure and date bucket (SQLite and PostgreSQL), time-zone edges,
NULLs, empty groups, top N with "Other", record rules and field rules, and one GROUP BY per report."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from report_files import write_org
from trellis.data.records import records_for
from trellis.data.reports import ReportRefused, run_report
from trellis.security.accounts import create_user
from trellis.testing import sql_statements

ROLES = """\
roles:
  salesperson:
    deal: {read: own, create: true, write: own}
    person: {read: all}
  clerk:
    deal: {read: all, fields: {amount: none}}
"""
MEASURES = """\
measures:
  deals: count
  people: {count_distinct: person}
  amount: {sum: amount}
  average: {avg: amount}
  smallest: {min: amount}
  largest: {max: amount}
  won: {count: "*", where: {stage: won}}
  conversion: {ratio: [won, deals]}
"""
REPORTS = {
    "by_stage": "report: by_stage\nentity: deal\ngroup_by: stage\n" + MEASURES,
    "totals": "report: totals\nentity: deal\n" + MEASURES,
    "by_person": "report: by_person\nentity: deal\ngroup_by: person\nmeasures: {n: count, amount: {sum: amount}}\n",
    "top_two": "report: top_two\nentity: deal\ngroup_by: name\nmeasures: {amount: {sum: amount}, n: count}\n"
               "sort: -amount\nlimit: 2\n",
    "stage_by_owner": "report: stage_by_owner\nentity: deal\ngroup_by: [stage, owner]\nmeasures: {n: count}\n",
    "ts_month": "report: ts_month\nentity: sample\ngroup_by: {field: ts, bucket: month}\n",
    "ts_kpi": "report: ts_kpi\nentity: sample\nperiod: ts\nchart: kpi\n",
    **{f"dt_{b}": f"report: dt_{b}\nentity: sample\ngroup_by: {{field: dt, bucket: {b}}}\n"
       "measures: {n: count, total: {sum: i}}\n" for b in ("day", "week", "month", "quarter", "year")},
}


@pytest.fixture
def trellis_config(trellis_config):
    return write_org(trellis_config, ROLES, REPORTS)


@pytest.fixture
def people(svc):
    return [svc.create("person", {"name": name}) for name in ("Ann", "Bob")]


@pytest.fixture
def sellers(svc):
    return [create_user(svc.app, f"{n}@example.com", None, role="salesperson", name=n) for n in ("sam", "sue")]


@pytest.fixture
def deals(svc, people, sellers):
    """Five deals: new 100 (Ann, Sam), won 200 (Ann, Sue), won 300 (Bob, Sam), lost without amount
    (nobody, Sue), qualified 400 (Bob, Sam)."""
    ann, bob = people
    sam, sue = sellers
    rows = [("A", "new", 100, ann, sam), ("B", "won", 200, ann, sue), ("C", "won", 300, bob, sam),
            ("D", "lost", None, None, sue), ("E", "qualified", 400, bob, sam)]
    for name, stage, amount, person, owner in rows:
        deal = svc.create("deal", {"name": name, "amount": amount, "person": person.id if person else None,
                                   "owner": owner.id})
        if stage in ("qualified", "won"):
            svc.transition("deal", deal.id, "qualify")
        if stage == "won":
            svc.transition("deal", deal.id, "win")
        if stage == "lost":
            svc.transition("deal", deal.id, "lose", {"lost_reason": "price"})


def report(svc, name, **options):
    return run_report(svc, svc.metadata.reports[name], **options)


def by_key(result, level=0):
    return {row.keys[level] if not row.other else "Other": row.values for row in result.rows}


def test_every_measure_has_its_known_answer_per_group(svc, deals):
    result = report(svc, "by_stage")
    assert [row.keys[0] for row in result.rows] == ["new", "qualified", "proposal", "won", "lost"]
    won = by_key(result)["won"]
    assert (won["deals"], won["people"], won["amount"], won["average"]) == (2, 2, Decimal("500.00"), Decimal("250.00"))
    assert (won["smallest"], won["largest"], won["won"], won["conversion"]) == (200, 300, 2, 1)
    lost = by_key(result)["lost"]   # NULL amount and person: counted as a deal, not in sums, min, max or people
    assert (lost["deals"], lost["people"], lost["amount"], lost["average"], lost["largest"]) == (1, 0, None, None, None)
    empty = by_key(result)["proposal"]   # an empty stage is shown, with zero counts
    assert (empty["deals"], empty["amount"], empty["conversion"]) == (0, None, None)


def test_totals_without_group_by_and_the_ratio_over_them(svc, deals):
    values = report(svc, "totals").totals
    assert (values["deals"], values["people"], values["amount"], values["average"]) == (
        5, 2, Decimal("1000.00"), Decimal("250.00"))
    assert (values["smallest"], values["largest"], values["won"]) == (100, 400, 2)
    assert values["conversion"] == Decimal("0.4")


def test_a_link_group_by_carries_the_linked_title_and_a_null_group(svc, deals):
    rows = report(svc, "by_person").rows
    assert [(row.titles[0], row.values["n"], row.values["amount"]) for row in rows] == [
        ("Ann", 2, Decimal("300.00")), ("Bob", 2, Decimal("700.00")), (None, 1, None)]
    assert rows[-1].keys == (None,)


def test_groups_past_the_limit_fold_into_other(svc, deals):
    rows = report(svc, "top_two").rows
    assert [(row.keys[0], row.values["amount"], row.values["n"]) for row in rows] == [
        ("E", Decimal("400.00"), 1), ("C", Decimal("300.00"), 1), (None, Decimal("300.00"), 3)]
    assert rows[-1].other


def test_a_two_level_report_gives_one_cell_per_pair(svc, deals, sellers):
    cells = {(row.keys[0], row.titles[1]): row.values["n"] for row in report(svc, "stage_by_owner").rows}
    assert cells == {("new", "sam"): 1, ("won", "sue"): 1, ("won", "sam"): 1, ("lost", "sue"): 1,
                     ("qualified", "sam"): 1}


def test_a_salesperson_sees_the_numbers_of_their_own_deals_only(svc, deals, sellers):
    sam = records_for(svc.app, sellers[0], channel="ui")
    values = report(sam, "totals").totals
    assert (values["deals"], values["amount"], values["won"]) == (3, Decimal("800.00"), 1)
    assert by_key(report(sam, "by_stage"))["won"]["amount"] == Decimal("300.00")


def test_a_measure_over_a_field_the_viewer_may_not_read_is_refused(svc, deals):
    clerk = records_for(svc.app, create_user(svc.app, "clerk@example.com", None, role="clerk", name="C"), "ui")
    with pytest.raises(ReportRefused, match="sum 'amount' of deal, which you may not read"):
        report(clerk, "totals")


def test_a_report_is_one_group_by_statement(svc, deals):
    with sql_statements(svc.app) as seen:
        report(svc, "by_stage")
    grouped = [s for s in seen if "GROUP BY" in s.upper()]
    assert len(grouped) == 1 and not [s for s in seen if s.lstrip().upper().startswith("SELECT") and
                                      "GROUP BY" not in s.upper() and " deal" in s and "count" not in s.lower()]


@pytest.fixture
def days(svc):
    for day, number in [("2027-01-04", 1), ("2027-01-10", 2), ("2027-01-11", 4), ("2027-03-31", 8),
                        ("2027-04-01", 16), ("2027-12-31", 32), (None, 64)]:
        svc.create("sample", {"dt": day, "i": number})


@pytest.mark.parametrize(("bucket", "expected"), [
    ("day", {"2027-01-04": 1, "2027-01-10": 2, "2027-01-11": 4, "2027-03-31": 8, "2027-04-01": 16,
             "2027-12-31": 32}),
    ("week", {"2027-01-04": 3, "2027-01-11": 4, "2027-03-29": 24, "2027-12-27": 32}),
    ("month", {"2027-01-01": 7, "2027-03-01": 8, "2027-04-01": 16, "2027-12-01": 32}),
    ("quarter", {"2027-01-01": 15, "2027-04-01": 16, "2027-10-01": 32}),
    ("year", {"2027-01-01": 63}),
])
def test_every_date_bucket_has_its_known_answer_and_a_null_group(svc, days, bucket, expected):
    found = {row.keys[0]: row.values["total"] for row in report(svc, f"dt_{bucket}").rows}
    assert found.pop(None) == 64
    assert found == {date.fromisoformat(k): v for k, v in expected.items()}
    assert list(found) == sorted(found)


@pytest.fixture
def moments(svc):
    for moment in [datetime(2027, 1, 31, 20, 29, tzinfo=UTC), datetime(2027, 1, 31, 20, 30, tzinfo=UTC),
                   datetime(2027, 1, 31, 23, 30, tzinfo=UTC), datetime(2027, 7, 31, 22, 30, tzinfo=UTC)]:
        svc.create("sample", {"ts": moment})


def test_a_date_time_closed_late_on_the_last_day_of_a_month_is_next_month_in_tehran(svc, moments):
    utc = {row.keys[0]: row.values["count"] for row in report(svc, "ts_month", zone="UTC").rows}
    tehran = {row.keys[0]: row.values["count"] for row in report(svc, "ts_month", zone="Asia/Tehran").rows}
    assert utc == {date(2027, 1, 1): 3, date(2027, 7, 1): 1}
    assert tehran == {date(2027, 1, 1): 1, date(2027, 2, 1): 2, date(2027, 8, 1): 1}


def test_summer_time_moves_the_bucket_edge_with_the_offset(svc, moments):
    # Berlin is UTC+1 in January (20:30 UTC is still the 31st, 23:30 is February 1st) and UTC+2 in July
    # (22:30 UTC on July 31st is August 1st).
    berlin = {row.keys[0]: row.values["count"] for row in report(svc, "ts_month", zone="Europe/Berlin").rows}
    assert berlin == {date(2027, 1, 1): 2, date(2027, 2, 1): 1, date(2027, 8, 1): 1}


def test_the_period_limits_a_date_bucketed_report_in_the_viewers_time_zone(svc, moments):
    result = report(svc, "ts_month", zone="Asia/Tehran", period=(date(2027, 2, 1), date(2027, 2, 28)))
    assert {row.keys[0]: row.values["count"] for row in result.rows} == {date(2027, 2, 1): 2}


def test_a_kpi_gives_the_previous_period_of_the_same_length_for_its_change(svc, moments):
    result = report(svc, "ts_kpi", zone="Asia/Tehran", period=(date(2027, 2, 1), date(2027, 2, 28)))
    assert (result.totals["count"], result.previous["count"]) == (2, 1)   # 23:59 on 31 January in Tehran
