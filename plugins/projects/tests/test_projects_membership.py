"""A project member works on the projects they are a member of, and nothing else.

``mia`` (project_member) is among the ``members`` of "Ours", not of "Theirs"; ``nora``
(project_member too) is a member of neither. The rules (``current_user in members``,
``current_user in project.members``) are part of the read filter, so the API list, a
single record, counts, search and a report's sum all follow them -- on SQLite and
PostgreSQL (``db_url``), the EXISTS over the link table being the part that could differ.
"""

from decimal import Decimal

import pytest
from trellis.data.records import records_for
from trellis.data.reports import run_report
from trellis.errors import MetadataError
from trellis.metadata.reports import report_from_mapping
from trellis.runtime import runtime
from trellis.security.accounts import create_user, load_account
from trellis.testing.api import bearer


@pytest.fixture
def two(tmp_path, db_url, build_world):
    """The organisation with two projects, three tasks and a non-member ``nora``."""
    world = build_world(tmp_path, db_url)
    with world.app.app_context():
        world.users["nora"] = create_user(world.app, "nora@example.com", None, role="project_member", name="nora").id
    world.headers["nora"] = bearer(world.app, world.users["nora"], scope="write")
    ours = world.api("post", "project", name="Ours", members=[world.users["mia"]]).get_json()["id"]
    theirs = world.api("post", "project", name="Theirs", members=[world.users["pm"]]).get_json()["id"]
    tasks = {"Ours one": world.new_task(ours, "Ours one", estimate="3", assignee=world.users["pm"]),
             "Ours two": world.new_task(ours, "Ours two", estimate="4"),
             "Theirs one": world.new_task(theirs, "Theirs one", estimate="5", assignee=world.users["mia"])}
    world.ours, world.theirs, world.tasks = ours, theirs, tasks
    return world


def _names(world, who, entity):
    answer = world.api("get", f"{entity}?limit=100", who=who)
    assert answer.status_code == 200, answer.get_json()
    return sorted(row["name"] for row in answer.get_json()["data"])


def _service(world, who):
    return records_for(world.app, load_account(world.app, world.users[who]), channel="api")


def _estimate_sum(world, who):
    report, errors = report_from_mapping({"report": "estimates", "entity": "task", "group_by": [],
                                          "measures": {"hours": {"sum": "estimate"}}}, runtime(world.app).metadata)
    assert not errors, errors
    result = run_report(_service(world, who), report)
    return Decimal(str(result.totals["hours"] or 0))


def test_a_member_sees_the_tasks_and_project_they_are_a_member_of(two):
    world = two
    assert _names(world, "mia", "task") == ["Ours one", "Ours two"]
    assert _names(world, "mia", "project") == ["Ours"]
    assert world.api("get", f"task/{world.tasks['Theirs one']}", who="mia").status_code == 404
    assert world.api("get", f"project/{world.theirs}", who="mia").status_code == 404
    assert world.api("get", f"task/{world.tasks['Ours one']}", who="mia").status_code == 200
    with world.app.app_context():
        tasks = _service(world, "mia").query("task")
        assert tasks.count() == (2, False)
        assert tasks.search("Theirs").count() == (0, False)
        assert tasks.search("Ours").count() == (2, False)
        assert _estimate_sum(world, "mia") == Decimal("7")
        assert _estimate_sum(world, "pm") == Decimal("12")


def test_a_member_of_no_project_sees_no_task(two):
    world = two
    assert _names(world, "nora", "task") == []
    assert _names(world, "nora", "project") == []
    with world.app.app_context():
        assert _service(world, "nora").query("task").count() == (0, False)
        assert _estimate_sum(world, "nora") == Decimal("0")


def test_a_member_works_on_the_tasks_of_their_projects_only(two):
    world = two
    ours, theirs = world.tasks["Ours one"], world.tasks["Theirs one"]
    assert world.api("patch", f"task/{ours}", who="mia", stage="in_progress").status_code == 200
    assert world.api("patch", f"task/{theirs}", who="mia", stage="done").status_code in (403, 404)
    moved = world.api("patch", f"task/{ours}", who="mia", project=world.theirs)
    assert moved.status_code in (403, 404, 422)
    assert world.api("get", f"task/{ours}").get_json()["project"]["id"] == world.ours
    assert world.api("get", f"task/{theirs}").get_json()["stage"] == "todo"
    assert world.api("patch", f"task/{ours}", who="nora", stage="done").status_code in (403, 404)


def test_a_member_logs_time_on_their_projects_and_reads_those_logs(two):
    world = two
    ours, theirs = world.tasks["Ours two"], world.tasks["Theirs one"]
    logged = world.api("post", "time_log", who="mia", task=ours, hours="2")
    assert logged.status_code == 201, logged.get_json()
    assert _id(logged.get_json()["user"]) == world.users["mia"]
    assert world.api("post", "time_log", who="mia", task=theirs, hours="1").status_code in (403, 404, 422)
    assert world.api("post", "time_log", who="nora", task=ours, hours="1").status_code in (403, 404, 422)
    assert world.api("post", "time_log", task=ours, hours="1").status_code == 201            # pm, on Ours
    assert world.api("post", "time_log", task=theirs, hours="1").status_code == 201          # pm, on Theirs
    listed = world.api("get", "time_log?limit=100", who="mia").get_json()["data"]
    assert sorted((_id(row["user"]), _id(row["project"])) for row in listed) == \
        sorted([(world.users["mia"], world.ours), (world.users["pm"], world.ours)])
    assert world.api("get", "time_log?limit=100", who="nora").get_json()["data"] == []


def _id(value):
    """The id of a link as the API shows it (``{"id": ..., "name": ...}``)."""
    return value["id"] if isinstance(value, dict) else value


@pytest.mark.parametrize("entity, rule, message", [
    ("project", "current_user in memberz", "unknown field 'memberz' of 'project'"),
    ("project", "current_user in name", "'name' of 'project' must be a links field to user"),
    ("task", "current_user in project.manager", "'manager' of 'project' must be a links field to user"),
    ("task", "current_user in name.members", "'name' of 'task' must be a stored link field"),
    ("task", "current_user in milestone.members", "unknown field 'members' of 'milestone'"),
    ("time_log", "current_user in task.project.members", "more than one link away"),
])
def test_a_broken_membership_rule_names_the_file_and_line(tmp_path, entity, rule, message):
    import trellis_plugins.projects
    import trellis_plugins.sales
    from trellis.app import create_app

    folder = tmp_path / "org" / "metadata"
    folder.mkdir(parents=True)
    (folder / "roles.yaml").write_text(f"roles:\n  auditor:\n    {entity}:\n      read: all\n"
                                       f"      rules: [\"{rule}\"]\n", encoding="utf-8")
    with pytest.raises(MetadataError) as caught:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "ORG_DIR": str(tmp_path / "org"),
                    "TESTING": True, "SECRET_KEY": "test-only",
                    "EXTRA_PLUGINS": [trellis_plugins.sales, trellis_plugins.projects]})
    [problem] = caught.value.problems
    assert problem.path.endswith("roles.yaml") and problem.line == 5
    assert message in problem.message


def test_the_export_and_the_task_board_show_a_member_their_projects_tasks_only(two):
    web = two.client("mia")
    exported = web.get("/app/task/export.csv")
    assert exported.status_code == 200
    text = exported.get_data(as_text=True)
    assert "Ours one" in text and "Ours two" in text and "Theirs one" not in text
    board = web.get("/app/task/kanban")
    assert board.status_code == 200
    page = board.get_data(as_text=True)
    assert "Ours one" in page and "Theirs one" not in page


def test_a_member_reads_the_goals_milestones_and_risks_of_their_projects_only(two):
    world = two
    for project, name in ((world.ours, "Ours"), (world.theirs, "Theirs")):
        for entity, values in (("project_goal", {"name": f"{name} goal"}), ("milestone", {"name": f"{name} launch"}),
                               ("risk", {"description": f"{name} supplier late"})):
            made = world.api("post", entity, project=project, **values)
            assert made.status_code == 201, made.get_json()
    assert _names(world, "mia", "project_goal") == ["Ours goal"]
    assert _names(world, "mia", "milestone") == ["Ours launch"]
    risks = world.api("get", "risk?limit=100", who="mia").get_json()["data"]
    assert [row["description"] for row in risks] == ["Ours supplier late"]
    assert _names(world, "nora", "milestone") == []
