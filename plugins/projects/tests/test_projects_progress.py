"""Roll-ups through HTTP: completing tasks and logging time move % done, hours and budget exactly; risk scores."""

from decimal import Decimal


def _get(world, entity, record_id, who="pm"):
    return world.api("get", f"{entity}/{record_id}", who=who).get_json()


def test_completing_tasks_and_logging_time_updates_the_roll_ups_exactly(world, project):
    milestone = world.api("post", "milestone", name="Beta", project=project, budget="300").get_json()["id"]
    tasks = [world.new_task(project, name, estimate=hours, milestone=milestone if n < 2 else None)
             for n, (name, hours) in enumerate((("One", "2"), ("Two", "3.5"), ("Three", "5"), ("Four", "10")))]
    assert world.api("patch", f"task/{tasks[0]}", stage="done").status_code == 200
    for task, hours in ((tasks[0], "1.5"), (tasks[1], "2.25"), (tasks[2], "0.1")):
        logged = world.api("post", "time_log", task=task, hours=hours, rate="40")
        assert logged.status_code == 201, logged.get_json()

    shown = _get(world, "project", project)
    assert (shown["task_count"], shown["done_count"], Decimal(str(shown["percent_done"]))) == (4, 1, Decimal("25"))
    assert Decimal(str(shown["estimate_hours"])) == Decimal("20.5")
    assert Decimal(str(shown["spent_hours"])) == Decimal("3.85")
    assert Decimal(str(shown["spent"])) == Decimal("154") and Decimal(str(shown["budget_left"])) == Decimal("846")
    beta = _get(world, "milestone", milestone)
    assert (beta["task_count"], Decimal(str(beta["percent_done"]))) == (2, Decimal("50"))
    assert Decimal(str(beta["spent_hours"])) == Decimal("3.75") and Decimal(str(beta["spent"])) == Decimal("150")

    assert world.api("patch", f"task/{tasks[1]}", stage="done").status_code == 200
    assert world.api("delete", f"task/{tasks[2]}").status_code == 204
    shown = _get(world, "project", project)
    assert (shown["task_count"], Decimal(str(shown["percent_done"]))) == (3, Decimal("66.7"))
    assert Decimal(str(shown["spent"])) == Decimal("150")
    assert Decimal(str(_get(world, "milestone", milestone)["percent_done"])) == Decimal("100")


def test_a_time_log_counts_for_its_tasks_project_whatever_was_posted(world, project):
    task = world.new_task(project, "Logged")
    other = world.api("post", "project", name="Elsewhere").get_json()["id"]
    refused = world.api("post", "time_log", task=task, hours="1", project=other)
    assert refused.status_code == 422 and "project" in refused.get_json()["error"]["fields"]
    made = world.api("post", "time_log", task=task, hours="1").get_json()
    assert made["project"]["id"] == project


def test_a_risk_score_is_probability_times_impact(world, project):
    made = world.api("post", "risk", description="Key developer leaves", project=project, probability=4, impact=5)
    assert made.status_code == 201 and made.get_json()["score"] == 20
    changed = world.api("patch", f"risk/{made.get_json()['id']}", impact=2)
    assert changed.get_json()["score"] == 8
    refused = world.api("post", "risk", description="Out of range", project=project, probability=6, impact=1)
    assert refused.status_code == 422 and "probability" in refused.get_json()["error"]["fields"]
    forged = world.api("post", "risk", description="Forged", project=project, probability=1, impact=1, score=25)
    assert forged.status_code == 422 and "score" in forged.get_json()["error"]["fields"]


def test_a_member_works_on_every_task_of_their_project(world, project):
    mine = world.new_task(project, "Mine", assignee=world.users["mia"])
    theirs = world.new_task(project, "Theirs", assignee=world.users["pm"])
    assert world.api("patch", f"task/{mine}", who="mia", stage="in_progress").status_code == 200
    assert world.api("patch", f"task/{theirs}", who="mia", stage="in_progress").status_code == 200
    listed = world.api("get", f"task?project={project}", who="mia").get_json()["data"]
    assert sorted(t["name"] for t in listed) == ["Mine", "Theirs"]
    assert world.api("post", "time_log", who="mia", task=theirs, hours="1").status_code == 201
    assert world.api("get", f"task/{theirs}").get_json()["stage"] == "in_progress"
