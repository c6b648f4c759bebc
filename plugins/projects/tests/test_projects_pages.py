"""The timeline, risk matrix and "my tasks" pages, read through HTTP as a signed-in user."""

import re

from trellis.testing.web import post


def _chain(world, project):
    """Design -> Build -> Test back to back, and a short Docs task with slack: their ids."""
    a = world.new_task(project, "Design", "2027-04-26", "2027-04-27")
    b = world.new_task(project, "Build", "2027-04-28", "2027-04-30")
    c = world.new_task(project, "Test", "2027-05-03", "2027-05-05", stage="done")
    d = world.new_task(project, "Docs", "2027-04-26", "2027-04-26")
    world.depend(a, b)
    world.depend(b, c)
    world.api("post", "milestone", name="Launch", project=project, date="2027-05-07")
    return a, b, c, d


def _bars(svg):
    """``{task id: (x, class)}`` of the bars drawn."""
    found = re.findall(r'data-task="(\d+)"><title>[^<]*</title><rect class="([^"]+)" x="([\d.]+)"', svg)
    return {int(task): (float(x), classes) for task, classes, x in found}


def test_the_timeline_draws_bars_arrows_a_milestone_and_the_critical_path(world, project):
    a, b, c, d = _chain(world, project)
    page = world.client().get(f"/projects/{project}/timeline")
    assert page.status_code == 200
    svg = page.get_data(as_text=True)
    bars = _bars(svg)
    assert set(bars) == {a, b, c, d}
    assert [("pj-critical" in bars[t][1]) for t in (a, b, c, d)] == [True, True, True, False]
    assert "pj-done" in bars[c][1]
    assert bars[a][0] < bars[b][0] < bars[c][0]
    assert svg.count('class="pj-arrow pj-critical"') == 2
    assert svg.count('class="pj-milestone"') == 1


def test_in_persian_the_timeline_runs_from_right_to_left(world, project):
    a, b, c, _ = _chain(world, project)
    web = world.client("admin")
    post(web, "/preferences", {"locale": "fa"})
    svg = web.get(f"/projects/{project}/timeline.svg").get_data(as_text=True)
    bars = _bars(svg)
    assert 'direction="rtl"' in svg and bars[a][0] > bars[b][0] > bars[c][0]


def test_the_risk_matrix_places_open_risks_by_probability_and_impact(world, project):
    for probability, impact, status in ((4, 5, "open"), (4, 5, "mitigated"), (1, 2, "open"), (5, 5, "closed")):
        world.api("post", "risk", description=f"Risk {probability}{impact}{status}", project=project,
                  probability=probability, impact=impact, status=status)
    page = world.client("mia").get(f"/projects/{project}/risks").get_data(as_text=True)
    cells = re.findall(r'<td class="pj-(\w+)" data-score="(\d+)" data-count="(\d+)"', page)
    assert len(cells) == 25
    counted = {(int(score), level): int(count) for level, score, count in cells if count != "0"}
    assert counted == {(20, "critical"): 2, (2, "low"): 1}
    assert "Risk 55closed" not in page


def test_my_tasks_lists_the_viewers_open_tasks_only(world, project):
    world.new_task(project, "Call the client", None, "2020-01-01", assignee=world.users["mia"])
    world.new_task(project, "Finished already", assignee=world.users["mia"], stage="done")
    world.new_task(project, "Someone else's", assignee=world.users["pm"])
    page = world.client("mia").get("/projects/my-tasks").get_data(as_text=True)
    assert "Call the client" in page and "overdue" in page
    assert "Finished already" not in page and "Someone else" not in page


def test_the_pages_need_a_signed_in_user_and_a_readable_project(world, project):
    assert world.app.test_client().get(f"/projects/{project}/timeline").status_code in (302, 401)
    assert world.client().get("/projects/999999/timeline").status_code == 404
    assert world.client().get("/projects/999999/risks").status_code == 404


def test_the_risk_matrix_speaks_persian_and_isolates_the_values(world, project):
    world.api("post", "risk", description="Vendor lock-in", project=project, probability=2, impact=3)
    web = world.client("admin")
    post(web, "/preferences", {"locale": "fa"})
    page = web.get(f"/projects/{project}/risks").get_data(as_text=True)
    assert "ماتریس ریسک" in page and "<bdi>Vendor lock-in</bdi>" in page


def test_a_projects_page_links_to_its_timeline_board_and_risk_matrix(world, project):
    page = world.client().get(f"/app/project/{project}").get_data(as_text=True)
    for link in (f"/projects/{project}/timeline", f"/app/task/kanban?project={project}", f"/projects/{project}/risks"):
        assert f'href="{link}"' in page
