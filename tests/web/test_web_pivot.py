"""``/app/<entity>/report``: build a pivot, see it, save it (mine or shared with roles, onto a dashboard),
find it there, and export it with ``trellis report export``."""

from pathlib import Path

import pytest
import yaml
from trellis.data.records import records_for
from trellis.testing.web import post, signed_in_client
from trellis.web.commands import report_group

BOARD = "dashboard: team\nlabel: Team\nwidgets: []\n"
ROLES = "roles:\n  clerk:\n    contact: {read: all}\n    company: {read: all}\n"
CHOICES = {"group1": "company", "group2": "created_at", "bucket2": "month", "measure": "count", "chart": "stacked_bar"}


@pytest.fixture
def trellis_config(trellis_config):
    metadata = Path(trellis_config["ORG_DIR"]) / "metadata"
    (metadata / "team.yaml").write_text(BOARD)
    (metadata / "roles.yaml").write_text(ROLES)
    return {**trellis_config, "PLUGINS": ["contacts"]}


@pytest.fixture
def contacts(app):
    with app.app_context():
        records = records_for(app)
        acme = records.create("company", {"name": "Acme"})
        for name in ("Ada", "Bea", "Cy"):
            records.create("contact", {"last_name": name, "company": acme.id})


@pytest.fixture
def admin(app):
    return signed_in_client(app, "ada@example.com")


def test_the_pivot_page_draws_the_chosen_group_bys_measure_and_chart(admin, contacts):
    page = admin.get("/app/contact/report", query_string=CHOICES)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="chart chart-stacked_bar"' in html and "Acme" in html


def test_a_choice_a_report_could_not_say_is_refused_with_the_checks_message(admin, contacts):
    html = admin.get("/app/contact/report", query_string={"group1": "company", "measure": "sum",
                                                          "field": "last_name"}).get_data(as_text=True)
    assert "cannot sum &#39;last_name&#39;" in html and "<svg" not in html


def test_a_saved_pivot_is_found_on_its_dashboard_by_those_it_is_shared_with(app, admin, contacts):
    answer = post(admin, "/app/contact/report", {**CHOICES, "name": "contacts_by_company", "label": "By company",
                                                 "share": "clerk", "dashboard": "team"},
                  form_page="/app/contact/report?group1=company")
    assert answer.status_code == 302
    board = admin.get("/dashboards/team").get_data(as_text=True)
    assert "By company" in board and 'class="chart chart-stacked_bar"' in board
    clerk = signed_in_client(app, "cy@example.com", role="clerk", name="Cy")
    assert "By company" in clerk.get("/dashboards/team").get_data(as_text=True)
    assert clerk.get("/reports/contacts_by_company.csv").status_code == 200


def test_a_report_saved_as_mine_is_not_shown_to_others(app, admin, contacts):
    post(admin, "/app/contact/report", {**CHOICES, "name": "just_mine", "label": "Only mine", "dashboard": "team"},
         form_page="/app/contact/report?group1=company")
    assert "Only mine" in admin.get("/dashboards/team").get_data(as_text=True)
    clerk = signed_in_client(app, "dee@example.com", role="clerk", name="Dee")
    assert "Only mine" not in clerk.get("/dashboards/team").get_data(as_text=True)
    assert clerk.get("/reports/just_mine").status_code == 404


def test_trellis_report_export_writes_the_saved_report_as_yaml(app, admin, contacts):
    post(admin, "/app/contact/report", {**CHOICES, "name": "contacts_by_company", "share": "clerk"},
         form_page="/app/contact/report?group1=company")
    result = app.test_cli_runner().invoke(report_group, ["export", "contacts_by_company"])
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.output)
    assert document == {"report": "contacts_by_company", "entity": "contact",
                        "group_by": ["company", {"field": "created_at", "bucket": "month"}],
                        "measures": {"value": "count"}, "chart": "stacked_bar", "roles": ["clerk"]}
    missing = app.test_cli_runner().invoke(report_group, ["export", "nothing"])
    assert missing.exit_code != 0 and "no saved report called 'nothing'" in missing.output


def test_a_list_links_to_its_pivot_page(admin):
    page = admin.get("/app/contact").get_data(as_text=True)
    assert '<a href="/app/contact/report">Pivot</a>' in page
    assert admin.get("/app/contact/report").status_code == 200
