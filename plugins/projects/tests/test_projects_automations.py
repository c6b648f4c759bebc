"""The plugin's automations: overdue reminder, milestone reached, blocker done (emails queued, not yet sent)."""

from datetime import UTC, datetime

from trellis.automation import emails_for, tick


def _emails(world, entity, record_id):
    with world.app.app_context():
        return sorted((e["subject"], e["recipient"]) for e in emails_for(world.app, entity, record_id))


def test_a_reached_milestone_emails_the_client_contact(world):
    contact = world.api("post", "contact", who="admin", last_name="Client", email="client@example.com").get_json()
    project = world.api("post", "project", name="Shop", contact=contact["id"]).get_json()["id"]
    milestone = world.api("post", "milestone", name="Beta live", project=project).get_json()["id"]
    assert _emails(world, "milestone", milestone) == []
    assert world.api("patch", f"milestone/{milestone}", done=True).status_code == 200
    assert _emails(world, "milestone", milestone) == [("Milestone reached: Beta live", "client@example.com")]


def test_finishing_a_blocking_task_tells_the_blocked_tasks_assignee(world, project):
    blocker = world.new_task(project, "Get access", assignee=world.users["pm"])
    blocked = world.new_task(project, "Deploy", assignee=world.users["mia"])
    world.depend(blocker, blocked)
    assert world.api("patch", f"task/{blocker}", stage="in_progress").status_code == 200
    assert _emails(world, "task", blocker) == []
    assert world.api("patch", f"task/{blocker}", stage="done").status_code == 200
    assert _emails(world, "task", blocker) == [('You can start: "Get access" is done', "mia@example.com")]


def test_an_overdue_open_task_reminds_its_assignee_the_morning_after(world, project):
    late = world.new_task(project, "Send invoice", "2027-06-01", "2027-06-01", assignee=world.users["mia"])
    done = world.new_task(project, "Already sent", "2027-06-01", "2027-06-01", assignee=world.users["mia"],
                          stage="done")
    tick(world.app, datetime(2027, 6, 2, 9, 5, tzinfo=UTC))
    assert _emails(world, "task", late) == [("Overdue: Send invoice", "mia@example.com")]
    assert _emails(world, "task", done) == []
