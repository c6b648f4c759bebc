"""The home page's ``my_overdue_tasks`` tile: the viewer's unfinished tasks past their due date."""

from datetime import date, timedelta

from trellis.testing.kpi import kpi_tiles


def test_a_member_sees_their_overdue_unfinished_tasks_of_their_projects_only(client_as, records):
    member, other = client_as("project_member"), client_as("project_member")
    project = records.create("project", {"name": "Apollo", "members": [member.user_id, other.user_id]})
    hidden = records.create("project", {"name": "Gemini", "members": [other.user_id]})  # not the member's
    past, future = date.today() - timedelta(days=3), date.today() + timedelta(days=3)
    for name, where, who, due in (("Late", project, member, past), ("Later", project, member, future),
                                  ("Theirs", project, other, past), ("Elsewhere", hidden, member, past)):
        records.create("task", {"name": name, "project": where.id, "assignee": who.user_id, "due_date": due})
    page = member.get("/").get_data(as_text=True)
    assert kpi_tiles(page) == {"My overdue tasks": "1"}
    link = page[page.index('href="/app/task?') + 6:].split('"')[0].replace("&amp;", "&")
    listed = member.get(link).get_data(as_text=True)
    assert "Late" in listed and "Later" not in listed and "Theirs" not in listed and "Elsewhere" not in listed


def test_a_role_without_tasks_sees_no_task_tile(client_as):
    assert "My overdue tasks" not in client_as("support_agent").get("/").get_data(as_text=True)
