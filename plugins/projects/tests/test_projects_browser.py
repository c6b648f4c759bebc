"""The projects pages in a real browser (Playwright driving Debian's Chromium): a task dragged across
the project's kanban moves; the timeline and the risk matrix open and draw.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser`` (default: the test's temporary folder); skipped,
with the reason, where Playwright or Chromium is absent.
"""

import pytest
import trellis_plugins.projects
import trellis_plugins.sales
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]
PASSWORD = "browser test password"


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None,
            "EXTRA_PLUGINS": [trellis_plugins.sales, trellis_plugins.projects]}


@pytest.fixture
def server(trellis_app):
    """The app served on a free local port, with a project manager to sign in as."""
    from trellis.security.accounts import create_user

    with trellis_app.app_context():
        create_user(trellis_app, "pia@example.com", PASSWORD, role="project_manager", name="Pia")
    with served(trellis_app) as url:
        yield url


@pytest.fixture
def page(server, tmp_path):
    with browser_tab(server, tmp_path, width=1600, height=1000) as tab:
        tab.goto("/login")
        tab.fill("#email", "pia@example.com")
        tab.fill("#password", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/")
        yield tab


@pytest.fixture
def project(records):
    """A project with a chain of three tasks, a milestone, an unrelated project's task and two risks."""
    project = records.create("project", {"name": "Shop relaunch", "start_date": "2027-04-26"})
    other = records.create("project", {"name": "Elsewhere"})
    tasks = [records.create("task", {"name": name, "project": project.id, "start_date": start, "due_date": due}).id
             for name, start, due in (("Design", "2027-04-26", "2027-04-28"), ("Build", "2027-04-29", "2027-05-05"),
                                      ("Launch", "2027-05-06", "2027-05-06"))]
    for before, after in zip(tasks, tasks[1:]):
        records.create("task_dependency", {"predecessor": before, "successor": after})
    records.create("task", {"name": "Not this project", "project": other.id})
    records.create("milestone", {"name": "Go live", "project": project.id, "date": "2027-05-06"})
    records.create("risk", {"description": "Supplier late", "project": project.id, "probability": 4, "impact": 5})
    records.create("risk", {"description": "Scope creep", "project": project.id, "probability": 2, "impact": 2})
    return project.id, tasks


def test_a_task_dragged_across_the_project_kanban_moves(page, records, project):
    project_id, tasks = project
    page.goto(f"/app/task/kanban?project={project_id}")
    assert page.locator(".kcard").count() == 3          # the other project's task is not on this board
    page.drag_and_drop(f".kcard[data-id='{tasks[0]}']", ".column[data-value='in_progress']")
    page.wait_for_selector(f".column[data-value='in_progress'] .kcard[data-id='{tasks[0]}']", state="attached")
    # the card's menu stops offering "in progress" once the server has answered the move
    offer = f".kcard[data-id='{tasks[0]}'] button[value=in_progress]"
    page.wait_for_function(f'() => document.querySelector("{offer}").hidden')
    assert records.get("task", tasks[0])["stage"] == "in_progress"
    page.screenshot(path=str(page.shots / "projects-task-kanban.png"), full_page=True)


def test_the_timeline_and_the_risk_matrix_open(page, project):
    project_id, tasks = project
    page.goto(f"/projects/{project_id}/timeline")
    assert page.locator("svg.pj-timeline rect.pj-bar").count() == 3
    assert page.locator("svg.pj-timeline path.pj-arrow").count() == 2
    assert page.locator("svg.pj-timeline path.pj-milestone").count() == 1
    page.screenshot(path=str(page.shots / "projects-timeline.png"), full_page=True)
    page.click("text=Risk matrix")
    page.wait_for_url(f"**/projects/{project_id}/risks")
    assert page.locator("td.pj-critical[data-score='20'] >> text=Supplier late").count() == 1
    assert page.locator("td[data-count='1']").count() == 2
    page.screenshot(path=str(page.shots / "projects-risk-matrix.png"), full_page=True)
