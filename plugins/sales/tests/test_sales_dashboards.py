"""``/dashboards/sales``: the plugin's widgets for its roles, each seeing only the deals they may read."""

import re
from datetime import date

import pytest
from trellis.testing.web import signed_in_client


@pytest.fixture
def web(trellis_app, records):
    contact = records.create("contact", {"last_name": "Babbage"})
    clients = {name: signed_in_client(trellis_app, f"{name}@example.com", role=role, name=name)
               for name, role in (("ann", "salesperson"), ("max", "sales_manager"), ("cy", "contacts_user"))}
    from trellis.security.accounts import find_user_id

    with trellis_app.app_context():
        ann = find_user_id(trellis_app, "ann@example.com")
    records.create("deal", {"name": "Ann's", "contact": contact.id, "amount": 1000, "close_date": date(2030, 5, 1),
                            "owner": ann})
    records.create("deal", {"name": "Other", "contact": contact.id, "amount": 3000, "close_date": date(2030, 5, 9)})
    return clients


def test_the_sales_yaml_places_the_reports_and_the_targets_widget_for_the_sales_roles(trellis_app):
    from trellis.runtime import runtime

    board = runtime(trellis_app).metadata.dashboards["sales"]
    assert [w.report or w.widget for w in board.widgets] == [
        "pipeline_by_stage", "forecast_by_month", "sales_targets", "won_by_salesperson", "conversion_by_month",
        "lost_by_reason", "lead_sources"]
    assert board.roles == ("sales_manager", "salesperson")


def forecast_row(page):
    """The May 2030 row of the forecast report's data table: month, expected revenue, deals."""
    table = page.split('data-report="forecast_by_month"')[1].split("<table")[1].split("</table>")[0]
    row = table.split("May 2030")[1].split("</tr>")[0]
    return re.findall(r"<bdi>([^<]*)</bdi>", row)


def test_a_salesperson_sees_the_reports_with_only_their_own_deals(web):
    page = web["ann"].get("/dashboards/sales").get_data(as_text=True)
    # Two charts: the pipeline and the forecast; Ann has nothing won, lost or from leads.
    assert "<table class='sales-targets'>" in page and page.count("<svg") == 2
    assert forecast_row(page) == ["100.00", "1"]
    assert ">Forecast (weighted by probability)</a></h2>" in page and ">Won vs target</h2>" in page


def test_a_sales_manager_sees_every_deal_in_the_forecast(web):
    page = web["max"].get("/dashboards/sales").get_data(as_text=True)
    assert forecast_row(page) == ["400.00", "2"]


def test_someone_outside_sales_gets_a_404_and_no_menu_entry(web):
    assert web["cy"].get("/dashboards/sales").status_code == 404
    assert 'href="/dashboards/sales"' not in web["cy"].get("/").get_data(as_text=True)
    assert 'href="/dashboards/sales"' in web["ann"].get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["sales_manager", "salesperson"])
def test_every_deal_report_of_the_dashboard_reads_one_index_alone(trellis_app, records, role):
    """On SQLite a report groups by bare columns only when one index holds every column it reads (else by an
    expression, to scan the table): the deal entity declares such an index for each shipped deal report."""
    from trellis.data.reports import run_report
    from trellis.runtime import runtime
    from trellis.security.accounts import create_user
    from trellis.testing import sql_statements

    viewer = records.as_user(create_user(trellis_app, f"{role}@example.com", None, role=role, name=role), "ui")
    metadata = runtime(trellis_app).metadata
    names = [w.report for w in metadata.dashboards["sales"].widgets
             if w.report and metadata.reports[w.report].entity == "deal"]
    assert len(names) == 5
    trellis_app.config["REPORT_CACHE_SECONDS"] = 0
    for name in names:
        with sql_statements(trellis_app) as seen:
            run_report(viewer, metadata.reports[name])
        grouped = [s for s in seen if "GROUP BY" in s.upper()]
        assert len(grouped) == 1 and "ifnull" not in grouped[0].lower(), name
