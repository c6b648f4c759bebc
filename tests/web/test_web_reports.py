"""Reports on pages: server-rendered SVG for every chart kind (well-formed XML, escaped text, a title and
description, a <title> per mark, a data table), drill-down links, CSV/XLSX downloads, dashboards with
report widgets and a period, and a field the viewer may not read refused with a message."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook
from trellis.data.records import records_for
from trellis.testing.web import post, signed_in_client

EVIL = "<script>alert(1)</script>"
SVG = "{http://www.w3.org/2000/svg}"
ONE_LEVEL = ("bar", "horizontal_bar", "line", "area", "pie", "donut", "funnel", "table")
TWO_LEVEL = ("stacked_bar", "line", "area", "table")


def reports() -> dict[str, str]:
    texts = {f"by_company_{chart}": f"report: by_company_{chart}\nentity: contact\ngroup_by: company\n"
                                    f"measures: {{contacts: count}}\nchart: {chart}\nlimit: 3\n" for chart in ONE_LEVEL}
    texts.update({f"company_month_{chart}": f"report: company_month_{chart}\nentity: contact\n"
                                            "group_by: [{field: created_at, bucket: month}, company]\n"
                                            f"chart: {chart}\n" for chart in TWO_LEVEL})
    texts["contacts_kpi"] = ("report: contacts_kpi\nlabel: Contacts\nentity: contact\nperiod: created_at\n"
                             "measures: {contacts: count}\nchart: kpi\n")
    texts["by_city"] = "report: by_city\nentity: contact\ngroup_by: city\nchart: bar\n"
    texts["phones"] = "report: phones\nentity: contact\nmeasures: {phones: {count_distinct: phone}}\nchart: kpi\n"
    return texts


ROLES = "roles:\n  clerk:\n    contact: {read: all, fields: {phone: none}}\n"


BOARD = """\
dashboard: numbers
label: Numbers
widgets:
  - {report: contacts_kpi, size: small}
  - {report: by_company_funnel, title: {en: Funnel}}
  - {report: by_company_pie}
"""


@pytest.fixture
def trellis_config(trellis_config):
    metadata = Path(trellis_config["ORG_DIR"]) / "metadata"
    (metadata / "reports").mkdir(parents=True, exist_ok=True)
    for name, text in reports().items():
        (metadata / "reports" / f"{name}.yaml").write_text(text)
    (metadata / "numbers.yaml").write_text(BOARD)
    (metadata / "roles.yaml").write_text(ROLES)
    return {**trellis_config, "PLUGINS": ["contacts"]}


@pytest.fixture
def contacts(app):
    with app.app_context():
        records = records_for(app)
        companies = [records.create("company", {"name": name}) for name in (EVIL, "Acme", "Zeta & Co", "Tiny")]
        for index, company in enumerate(companies):
            for number in range(4 - index):
                records.create("contact", {"last_name": f"P{index}{number}", "company": company.id,
                                           "city": "Sofia" if number % 2 else "=HYPERLINK(\"http://x\")"})
        return companies


@pytest.fixture
def admin(app):
    return signed_in_client(app, "ada@example.com")


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(block) for block in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def texts(element: ET.Element) -> str:
    return " ".join(t for t in element.itertext())


@pytest.mark.parametrize("name", [f"by_company_{c}" for c in ONE_LEVEL] + [f"company_month_{c}" for c in TWO_LEVEL])
def test_every_chart_is_well_formed_svg_showing_a_hostile_company_name_as_text(admin, contacts, name):
    page = admin.get(f"/reports/{name}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    drawn = svgs(html)
    if name.endswith("_table"):
        assert drawn == []
        return
    [svg] = drawn
    # a figure, not an img: its bars are links (an img may not hold interactive content)
    assert svg.get("role") == "figure" and svg.find(f"{SVG}title").text and svg.find(f"{SVG}desc").text
    marks = [m for m in svg.iter() if m.get("class") == "chart-mark"]
    assert marks and all(m.find(f"{SVG}title") is not None for m in marks)
    assert EVIL in texts(svg)   # parsed back from the escaped text: shown as text, never as markup


def test_the_data_table_is_the_charts_text_alternative_with_links_to_the_filtered_list(admin, contacts):
    html = admin.get("/reports/by_company_bar").get_data(as_text=True)
    assert "<table class=\"report-table\">" in html
    acme = contacts[1].id
    assert f'href="/app/contact?company={acme}"' in html
    assert "Other" in html   # four companies, limit 3
    listed = admin.get(f"/app/contact?company={acme}").get_data(as_text=True)
    assert "P10" in listed and "P00" not in listed


def test_the_largest_groups_are_kept_in_title_order_and_the_rest_folded_into_other(admin, contacts):
    html = admin.get("/reports/by_company_horizontal_bar").get_data(as_text=True)
    [svg] = svgs(html)
    titles = [m.find(f"{SVG}title").text for m in svg.iter() if m.get("class") == "chart-mark"]
    assert titles == [f"{EVIL}: 4", "Acme: 3", "Zeta & Co: 2", "Other: 1"]


def test_csv_and_xlsx_downloads_hold_the_data_with_formulas_neutralised(admin, contacts):
    answer = admin.get("/reports/by_city.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["City", "Count"]
    assert sorted(rows[1:]) == [["'=HYPERLINK(\"http://x\")", "6"], ["Sofia", "4"]]
    book = load_workbook(io.BytesIO(admin.get("/reports/by_city.xlsx").data))
    values = sorted(list(book.active.values)[1:])
    assert values == [("'=HYPERLINK(\"http://x\")", 6), ("Sofia", 4)]


def test_a_dashboard_shows_report_widgets_and_a_period_selector(admin, contacts):
    html = admin.get("/dashboards/numbers").get_data(as_text=True)
    assert 'name="period"' in html and "Funnel" in html
    assert len(svgs(html)) == 3
    assert ">10<" in html   # the KPI: every contact
    this_month = admin.get("/dashboards/numbers?period=month").get_data(as_text=True)
    assert ">10<" in this_month and 'value="month" selected' in this_month
    last_year = admin.get("/dashboards/numbers?period=custom&start=2001-01-01&end=2001-12-31").get_data(as_text=True)
    assert ">0<" in last_year


def test_a_report_over_a_field_the_viewer_may_not_read_shows_why_and_no_number(app, admin, contacts):
    assert ">0<" in admin.get("/reports/phones").get_data(as_text=True)
    clerk = signed_in_client(app, "una@example.com", role="clerk", name="Una")
    answer = clerk.get("/reports/phones")
    assert answer.status_code == 403
    html = answer.get_data(as_text=True)
    assert "count distinct &#39;phone&#39; of contact, which you may not read" in html and "<svg" not in html
    assert clerk.get("/reports/phones.csv").status_code == 403


def test_a_persian_chart_runs_right_to_left(app, contacts):
    client = signed_in_client(app, "farid@example.com")
    post(client, "/preferences", {"locale": "fa"})
    html = client.get("/reports/by_company_bar").get_data(as_text=True)
    [svg] = svgs(html)
    assert svg.get("direction") == "rtl"
