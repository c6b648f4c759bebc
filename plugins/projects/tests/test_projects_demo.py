"""``trellis demo`` data: three projects with chained tasks, risks and time logs, through the write path."""

import random

from trellis import DemoContext
from trellis.data.records import records_for


def test_the_demo_builds_three_projects_with_tasks_risks_and_time_logs(world):
    app = world.app
    with app.app_context():
        system = records_for(app)
        before = system.query("project").count()[0]
        import trellis_plugins.projects

        trellis_plugins.projects.demo_data(DemoContext(records=system, random=random.Random(3), app=app))
        projects = list(system.query("project").order_by("id").iterate())[before:]
        assert [p["name"] for p in projects] == ["Website relaunch", "CRM roll-out", "Support desk set-up"]
        for project in projects:
            assert project["task_count"] >= 4 and project["spent_hours"] > 0 and 0 < project["percent_done"] < 100
            assert system.query("risk").filter(project=project.id).count()[0] == 3
            assert system.query("task_dependency").filter(project=project.id).count()[0] == project["task_count"] - 1
        assert system.query("project_template").filter(for_won_deals=True).count()[0] >= 1
