"""Birthday and work-anniversary reminders: date-relative automations, fired by the scheduler at a fixed clock."""

from datetime import UTC, date, datetime

import trellis_plugins.hr
from trellis.automation import emails_for, tick
from trellis.data.records import records_for


def reminders(app, now):
    """What a scheduler tick at ``now`` fired, less other plugins' periodic jobs (``job:...``)."""
    return [f for f in tick(app, now) if not f.automation.startswith("job:")]


def test_a_birthday_and_an_anniversary_each_email_once_on_their_day(trellis_config):
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    app = create_app({**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.hr]})
    upgrade(app)
    with app.app_context():
        system = records_for(app)
        ann = system.create("employee", {"name": "Ann", "work_email": "ann@example.com",
                                         "birth_date": date(1990, 3, 15), "hire_date": date(2019, 6, 3)})
        system.transition("employee", ann.id, "activate")
        new = system.create("employee", {"name": "Ned", "work_email": "ned@example.com",
                                         "birth_date": date(1991, 3, 15)})   # still onboarding: no greeting
    assert reminders(app, datetime(2027, 3, 15, 8, 59, tzinfo=UTC)) == []
    fired = reminders(app, datetime(2027, 3, 15, 9, 0, tzinfo=UTC))
    assert sorted((f.record_id, f.outcome) for f in fired) == [(ann.id, "ok"), (new.id, "skipped")]
    assert reminders(app, datetime(2027, 3, 15, 9, 5, tzinfo=UTC)) == []   # once a year
    tick(app, datetime(2027, 6, 3, 9, 0, tzinfo=UTC))
    with app.app_context():
        subjects = sorted(e["subject"] for e in emails_for(app, "employee", ann.id))
    assert subjects == ["Happy birthday, Ann!", "Happy work anniversary, Ann!"]
