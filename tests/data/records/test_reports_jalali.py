"""Reports' month, quarter and year buckets in the Jalali calendar (a Persian user's): known answers
around Nowruz 1404 and 1405 and the leap day of 1403 (30 Esfand), on SQLite and PostgreSQL, while the
Gregorian buckets of everyone else are unchanged and the report stays one GROUP BY."""

from datetime import UTC, date, datetime

import pytest
from report_files import write_org
from trellis.data.reports import run_report
from trellis.testing import sql_statements

REPORTS = {
    **{f"dt_{b}": f"report: dt_{b}\nentity: sample\ngroup_by: {{field: dt, bucket: {b}}}\n"
       "measures: {n: count, total: {sum: i}, average: {avg: i}, largest: {max: i}}\n"
       for b in ("week", "month", "quarter", "year")},
    "dt_top": "report: dt_top\nentity: sample\ngroup_by: {field: dt, bucket: month}\nmeasures: {total: {sum: i}}\n"
              "sort: -total\nlimit: 2\n",
    "ts_month": "report: ts_month\nentity: sample\ngroup_by: {field: ts, bucket: month}\n",
    "dt_by_sel": "report: dt_by_sel\nentity: sample\ngroup_by: [{field: dt, bucket: year}, sel]\n"
                 "measures: {total: {sum: i}}\n",
}


@pytest.fixture
def trellis_config(trellis_config):
    return write_org(trellis_config, "roles: {}\n", REPORTS)


@pytest.fixture
def days(svc):
    """Days on both sides of Jalali month edges: 29 Bahman 1403, 1 and 30 Esfand 1403 (a leap year's
    last day), Nowruz 1404, 31 Farvardin and 1 Ordibehesht 1404, 29 Esfand 1404 and Nowruz 1405."""
    for day, number, colour in [("2025-02-18", 1, "red"), ("2025-02-19", 2, "red"), ("2025-03-20", 4, "green"),
                                ("2025-03-21", 8, "red"), ("2025-04-20", 16, "green"), ("2025-04-21", 32, "red"),
                                ("2026-03-20", 64, "red"), ("2026-03-21", 128, "green"), (None, 256, "red")]:
        svc.create("sample", {"dt": day, "i": number, "sel": colour})


def totals(svc, name, **options):
    return {row.keys[0]: row.values["total"] for row in
            run_report(svc, svc.metadata.reports[name], **options).rows}


@pytest.mark.parametrize(("bucket", "expected"), [
    ("month", {"2025-01-20": 1, "2025-02-19": 6, "2025-03-21": 24, "2025-04-21": 32, "2026-02-20": 64,
               "2026-03-21": 128}),
    ("quarter", {"2024-12-21": 7, "2025-03-21": 56, "2025-12-22": 64, "2026-03-21": 128}),
    ("year", {"2024-03-20": 7, "2025-03-21": 120, "2026-03-21": 128}),
])
def test_a_persian_users_buckets_are_jalali_months_seasons_and_years(svc, days, bucket, expected):
    found = totals(svc, f"dt_{bucket}", calendar="jalali")
    assert found.pop(None) == 256
    assert found == {date.fromisoformat(k): v for k, v in expected.items()}
    assert list(found) == sorted(found)


def test_a_persian_users_weeks_run_from_saturday_to_friday(svc, days):
    found = totals(svc, "dt_week", calendar="jalali")
    # Tuesday 18 and Wednesday 19 February 2025: the week from Saturday the 15th; Thursday 20 March (30 Esfand) and
    # Nowruz 1404 (a Friday): from the 15th; Sunday 20 and Monday 21 April: from the 19th; Nowruz 1405 is a Saturday.
    assert found == {date(2025, 2, 15): 3, date(2025, 3, 15): 12, date(2025, 4, 19): 48, date(2026, 3, 14): 64,
                     date(2026, 3, 21): 128, None: 256}
    assert totals(svc, "dt_week")[date(2025, 3, 17)] == 12   # Monday weeks for everyone else


def test_the_other_measures_of_a_folded_bucket_combine_exactly(svc, days):
    esfand = next(row.values for row in run_report(svc, svc.metadata.reports["dt_month"], calendar="jalali").rows
                  if row.keys[0] == date(2025, 2, 19))
    assert (esfand["n"], esfand["total"], esfand["average"], esfand["largest"]) == (2, 6, 3, 4)


def test_everyone_elses_buckets_stay_gregorian(svc, days):
    found = totals(svc, "dt_month")
    assert found == {date(2025, 2, 1): 3, date(2025, 3, 1): 12, date(2025, 4, 1): 48, date(2026, 3, 1): 192,
                     None: 256}


def test_a_report_sorted_by_a_measure_keeps_the_largest_jalali_months(svc, days):
    rows = run_report(svc, svc.metadata.reports["dt_top"], calendar="jalali").rows
    assert [(row.keys[0], row.values["total"]) for row in rows if not row.other] == [
        (None, 256), (date(2026, 3, 21), 128)]
    assert rows[-1].other and rows[-1].values["total"] == 1 + 6 + 24 + 32 + 64


def test_a_two_level_report_folds_each_pair(svc, days):
    result = run_report(svc, svc.metadata.reports["dt_by_sel"], calendar="jalali")
    cells = {row.keys: row.values["total"] for row in result.rows}
    assert cells == {(date(2024, 3, 20), "red"): 3, (date(2024, 3, 20), "green"): 4,
                     (date(2025, 3, 21), "red"): 104, (date(2025, 3, 21), "green"): 16,
                     (date(2026, 3, 21), "green"): 128, (None, "red"): 256}


def test_a_moment_just_before_nowruz_in_tehran_is_still_esfand(svc):
    for moment in (datetime(2025, 3, 20, 20, 29, tzinfo=UTC), datetime(2025, 3, 20, 20, 30, tzinfo=UTC)):
        svc.create("sample", {"ts": moment})   # 23:59 on 30 Esfand 1403 and 00:00 on 1 Farvardin 1404 in Tehran
    result = run_report(svc, svc.metadata.reports["ts_month"], zone="Asia/Tehran", calendar="jalali")
    assert {row.keys[0]: row.values["count"] for row in result.rows} == {date(2025, 2, 19): 1, date(2025, 3, 21): 1}


def test_a_jalali_report_is_still_one_group_by_statement(svc, days):
    with sql_statements(svc.app) as seen:
        run_report(svc, svc.metadata.reports["dt_quarter"], calendar="jalali")
    assert len([s for s in seen if "GROUP BY" in s.upper()]) == 1


def test_an_unknown_calendar_is_refused(svc):
    with pytest.raises(ValueError, match="calendar"):
        run_report(svc, svc.metadata.reports["dt_month"], calendar="hebrew")


def test_every_jalali_month_from_1970_to_2100_starts_on_a_day_the_split_key_keeps_apart():
    import jdatetime
    from trellis.data.report_buckets import SPLIT_FIRST, SPLIT_LAST

    starts = {jdatetime.date(year, month, 1).togregorian().day for year in range(1348, 1480) for month in range(1, 13)}
    assert SPLIT_FIRST <= min(starts) and max(starts) <= SPLIT_LAST
