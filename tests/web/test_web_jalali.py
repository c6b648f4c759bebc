"""Persian users see and type Solar Hijri (Jalali) dates on forms, lists, filters and the calendar,
while the stored values stay Gregorian: around Nowruz 1404 (21 March 2025) and 1405 (21 March
2026), and on Esfand 30 of the leap year 1403 (20 March 2025)."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from trellis.testing.web import post, signed_in_client
from trellis.web import jalali

NOWRUZ_1404, NOWRUZ_1405, LAST_DAY_OF_1403 = date(2025, 3, 21), date(2026, 3, 21), date(2025, 3, 20)


REPORT = """\
report: deals_by_day
entity: deal
group_by: {field: close_date, bucket: day}
period: close_date
measures: {deals: count}
chart: bar
"""
MONTHLY = """\
report: deals_by_month
entity: deal
group_by: {field: close_date, bucket: month}
measures: {deals: count}
chart: table
"""


@pytest.fixture
def trellis_config(trellis_config):
    reports = Path(trellis_config["ORG_DIR"]) / "metadata" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "deals_by_day.yaml").write_text(REPORT)
    (reports / "deals_by_month.yaml").write_text(MONTHLY)
    (reports / "deals_by_month_line.yaml").write_text(MONTHLY.replace("deals_by_month", "deals_by_month_line")
                                                      .replace("chart: table", "chart: line"))
    (reports.parent / "board.yaml").write_text("dashboard: board\nlabel: Board\nwidgets:\n  - {report: deals_by_day}\n")
    return trellis_config


@pytest.fixture
def persian(app):
    client = signed_in_client(app)
    post(client, "/preferences", {"locale": "fa", "timezone": "Asia/Tehran"})
    return client


@pytest.fixture
def contact(records):
    return records.create("contact", {"first_name": "Sara", "last_name": "Ahmadi"})


def input_value(page: str, name: str) -> str:
    found = re.search(rf'<input id="f-{name}"[^>]*\bvalue="([^"]*)"', page)
    assert found, f"no input {name}"
    return found.group(1)


def test_a_persian_user_sees_jalali_dates_in_the_list_and_on_the_record(persian, records, contact):
    deal = records.create("deal", {"name": "Nowruz", "contact": contact.id, "close_date": NOWRUZ_1404})
    listing = persian.get("/app/deal").get_data(as_text=True)
    assert "۱ فروردین ۱۴۰۴" in listing and "2025" not in listing
    form = persian.get(f"/app/deal/{deal.id}?edit=1").get_data(as_text=True)
    assert input_value(form, "close_date") == "1404/01/01"
    assert re.search(r'<input id="f-close_date" type="text"[^>]*placeholder="1404/01/31"', form)


@pytest.mark.parametrize(("typed", "stored"), [
    ("1404/01/01", NOWRUZ_1404),
    ("۱۴۰۵/۰۱/۰۱", NOWRUZ_1405),                  # Persian digits
    ("1403/12/30", LAST_DAY_OF_1403),              # Esfand 30: 1403 is a leap year
    ("1404-12-29", date(2026, 3, 20)),             # the last day of the common year 1404
])
def test_a_typed_jalali_date_is_stored_as_the_gregorian_day(persian, records, contact, typed, stored):
    r = post(persian, "/app/deal/new", {"name": "Typed", "contact": str(contact.id), "stage": "new",
                                        "close_date": typed})
    assert r.status_code == 302, r.get_data(as_text=True)
    deal_id = int(r.location.rsplit("/", 1)[1])
    assert records.get("deal", deal_id)["close_date"] == stored


@pytest.mark.parametrize("typed", ["1404/12/30", "1404/13/01", "1404/00/10", "1404/07/31", "99999/01/01",
                                   "2025-03-21", "0999/01/01", "1404/1/1/1", "fardā"])
def test_a_date_that_is_not_a_jalali_day_is_refused_on_its_field_and_nothing_is_saved(persian, records, contact,
                                                                                         typed):
    r = post(persian, "/app/deal/new", {"name": "Wrong", "contact": str(contact.id), "stage": "new",
                                        "close_date": typed})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert re.search(r'id="f-close_date-error">[^<]*1404/01/31', page)
    assert input_value(page, "close_date") == typed.replace("ā", "&#257;") or typed in page
    assert records.query("deal").count() == (0, False)


def test_an_edit_keeps_an_untouched_jalali_date_and_changes_a_retyped_one(persian, records, contact):
    deal = records.create("deal", {"name": "Edit", "contact": contact.id, "close_date": LAST_DAY_OF_1403})
    form = persian.get(f"/app/deal/{deal.id}?edit=1").get_data(as_text=True)
    assert input_value(form, "close_date") == "1403/12/30"
    r = post(persian, f"/app/deal/{deal.id}", {"name": "Edit", "contact": str(contact.id), "stage": "new",
                                               "close_date": "1403/12/30", "version": str(deal.version)})
    assert r.status_code == 302
    saved = records.get("deal", deal.id)
    assert saved["close_date"] == LAST_DAY_OF_1403
    r = post(persian, f"/app/deal/{deal.id}", {"name": "Edit", "contact": str(contact.id), "stage": "new",
                                               "close_date": "1405/01/01", "version": str(saved.version)})
    assert r.status_code == 302
    assert records.get("deal", deal.id)["close_date"] == NOWRUZ_1405


def test_a_jalali_date_and_time_is_read_in_the_users_time_zone(persian, records):
    r = post(persian, "/app/activity/new", {"subject": "Call", "kind": "call", "due": "1404/01/01 09:30"})
    assert r.status_code == 302, r.get_data(as_text=True)
    activity = records.get("activity", int(r.location.rsplit("/", 1)[1]))
    assert activity["due"].astimezone(UTC) == datetime(2025, 3, 21, 6, 0, tzinfo=UTC)   # Tehran is UTC+3:30
    page = persian.get(f"/app/activity/{activity.id}?edit=1").get_data(as_text=True)
    assert input_value(page, "due") == "1404/01/01 09:30"


def test_the_date_range_filter_takes_jalali_days(persian, records, contact):
    for name, day in (("Before", LAST_DAY_OF_1403), ("Nowruz", NOWRUZ_1404), ("Next year", NOWRUZ_1405)):
        records.create("deal", {"name": name, "contact": contact.id, "close_date": day})
    page = persian.get("/app/deal?close_date__gte=1404/01/01&close_date__lte=1404/12/29").get_data(as_text=True)
    assert ">Nowruz<" in page and ">Before<" not in page and ">Next year<" not in page
    assert 'name="close_date__gte" value="1404/01/01"' in page
    refused = persian.get("/app/deal?close_date__gte=1404/12/30")
    assert refused.status_code == 400
    assert "1404/01/31" in refused.get_data(as_text=True)


def test_the_calendar_shows_the_jalali_month_from_its_first_day(persian, records, contact):
    records.create("deal", {"name": "Nowruz", "contact": contact.id, "close_date": NOWRUZ_1404})
    records.create("deal", {"name": "Esfand", "contact": contact.id, "close_date": LAST_DAY_OF_1403})
    page = persian.get("/app/deal/calendar?date=2025-04-10").get_data(as_text=True)
    assert "فروردین ۱۴۰۴" in page
    # Farvardin 1404 runs from 21 March to 20 April 2025; its weeks start on Saturday 15 March.
    cells = re.findall(r'<td data-date="([\d-]+)" class="([^"]*)"', page)
    assert cells[0][0] == "2025-03-15" and cells[-1][0] == "2025-04-25"
    assert "other-month" in dict(cells)["2025-03-20"] and "other-month" not in dict(cells)["2025-03-21"]
    assert ">Nowruz<" in page
    assert 'rel="prev"' in page and "date=2025-03-20" in page and "date=2025-04-21" in page


def test_click_to_create_prefills_the_day_in_the_jalali_calendar(persian):
    page = persian.get("/app/deal/new?close_date=2026-03-21").get_data(as_text=True)
    assert input_value(page, "close_date") == "1405/01/01"


def test_an_organisation_may_keep_gregorian_dates_for_persian_users(app, persian, records, contact):
    app.config["PERSIAN_CALENDAR"] = "gregorian"
    records.create("deal", {"name": "Nowruz", "contact": contact.id, "close_date": NOWRUZ_1404})
    page = persian.get("/app/deal").get_data(as_text=True)
    assert "۱۴۰۴" not in page and "2025" in page
    assert 'type="date" name="close_date__gte"' in page


def test_a_reports_this_month_is_the_jalali_month_and_its_days_are_jalali(persian, records, contact, monkeypatch):
    from trellis.web import report_pages

    monkeypatch.setattr(report_pages, "today_for_user", lambda: date(2025, 4, 10))   # 21 Farvardin 1404
    for name, day in (("Esfand", LAST_DAY_OF_1403), ("Nowruz", NOWRUZ_1404), ("Last of Farvardin", date(2025, 4, 20)),
                      ("Ordibehesht", date(2025, 4, 21))):
        records.create("deal", {"name": name, "contact": contact.id, "close_date": day})
    page = persian.get("/reports/deals_by_day?period=month").get_data(as_text=True)
    assert "۱ فروردین ۱۴۰۴" in page and "۳۱ فروردین ۱۴۰۴" in page
    assert "اسفند" not in page and "اردیبهشت" not in page   # 20 March and 21 April are outside Farvardin
    season = persian.get("/reports/deals_by_day?period=quarter").get_data(as_text=True)
    assert "۱ اردیبهشت ۱۴۰۴" in season and "اسفند" not in season
    year_before = persian.get("/reports/deals_by_day?period=year").get_data(as_text=True)
    assert "۳۰ اسفند ۱۴۰۳" not in year_before and "۱ فروردین ۱۴۰۴" in year_before


@pytest.fixture
def around_nowruz(records, contact):
    for name, day in (("Esfand", LAST_DAY_OF_1403), ("Nowruz", NOWRUZ_1404), ("Last of Farvardin", date(2025, 4, 20)),
                      ("Ordibehesht", date(2025, 4, 21))):
        records.create("deal", {"name": name, "contact": contact.id, "close_date": day})


def report_rows(page: str) -> dict[str, str]:
    """The data table's rows: the group's text -> its count."""
    rows = re.findall(r"<tr><td>(?:<a [^>]*>)?<bdi>([^<]+)</bdi>(?:</a>)?</td>"
                      r"<td class=\"number\"><bdi>([^<]+)</bdi>", page)
    return {name.strip(): count.strip() for name, count in rows}


def test_a_persian_users_monthly_report_groups_by_jalali_month(persian, around_nowruz):
    page = persian.get("/reports/deals_by_month").get_data(as_text=True)
    assert report_rows(page) == {"اسفند ۱۴۰۳": "1", "فروردین ۱۴۰۴": "2", "اردیبهشت ۱۴۰۴": "1"}
    # Farvardin 1404's drill-down lists its own days: 21 March to 20 April 2025.
    assert "close_date__gte=2025-03-21&amp;close_date__lte=2025-04-20" in page


def test_an_english_users_monthly_report_keeps_gregorian_months(app, around_nowruz):
    page = signed_in_client(app, "eve@example.com").get("/reports/deals_by_month").get_data(as_text=True)
    assert report_rows(page) == {"Mar 2025": "2", "Apr 2025": "2"}


def test_a_persian_user_types_a_custom_period_in_jalali_days(persian, around_nowruz):
    page = persian.get("/reports/deals_by_day?period=custom&start=1404/01/01&end=۱۴۰۴/۰۱/۳۱").get_data(as_text=True)
    assert "۱ فروردین ۱۴۰۴" in page and "۳۱ فروردین ۱۴۰۴" in page
    assert "اسفند" not in page and "اردیبهشت" not in page
    board = persian.get("/dashboards/board?period=custom&start=1404/01/01&end=1404/01/31").get_data(as_text=True)
    assert re.search(r'<input type="text" dir="ltr" maxlength="10" placeholder="1404/01/31" id="period-start" '
                     r'name="start" value="1404/01/01">', board)


def test_a_line_chart_of_twelve_jalali_months_spaces_its_axis_labels_apart(persian, records, contact):
    for month in range(1, 13):   # the 5th of every Jalali month of 1404
        records.create("deal", {"name": f"M{month}", "contact": contact.id,
                                "close_date": jalali.parse_day(f"1404/{month:02d}/05")})
    page = persian.get("/reports/deals_by_month_line").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>")]
    labels = [(float(x), text) for x, text in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" '
                                                          r'class="chart-label">([^<]+)</text>', svg)]
    assert 1 < len(labels) < 12 and labels[0][1] == "فروردین ۱۴۰۴"
    gaps = [abs(a[0] - b[0]) for a, b in zip(labels, labels[1:], strict=False)]
    assert min(gaps) >= max(len(text) for _, text in labels) * 6   # no two labels overlap
