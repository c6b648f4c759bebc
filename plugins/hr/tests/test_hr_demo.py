"""``trellis demo`` data: forty employees in five departments, each with a review, goals and time off."""

import random

import trellis_plugins.hr
from trellis import DemoContext
from trellis.data.records import records_for


def test_the_demo_builds_the_organisation_through_the_write_path(trellis_config):
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    app = create_app({**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.hr]})
    upgrade(app)
    with app.app_context():
        system = records_for(app)
        trellis_plugins.hr.demo_data(DemoContext(records=system, random=random.Random(3), app=app))
        assert system.query("employee").count()[0] == 40
        assert system.query("department").count()[0] == 5
        assert system.query("employee").filter(manager__isnull=True).count()[0] == 1
        assert system.query("performance_review").count()[0] == 40
        approved = system.query("time_off_request").filter(status="approved").first()
        allocation = system.get("time_off_allocation", approved["allocation"].id)
        assert float(allocation["balance"]) == 25 - float(approved["days"]) > 0
        goal = system.query("goal").first()
        assert goal["progress"] is not None
