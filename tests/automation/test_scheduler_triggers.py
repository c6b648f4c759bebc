"""Time triggers: cron schedules, date offsets, anniversaries, time zones, and firing once across schedulers."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from automation_helpers import build_app, records_of, write_org
from trellis import Action, ScheduledJob, hookimpl
from trellis.automation import tick

pytestmark = pytest.mark.parametrize("runner", ["inprocess"], indirect=True)


def at(*args):
    return datetime(*args, tzinfo=UTC)


def automation(trigger: str, when: str = "") -> dict:
    return {"automations/timed.yaml": f"""
        automation: timed
        entity: customer
        trigger: {trigger}
        {f'when: "{when}"' if when else ''}
        actions:
          - create: {{entity: task, set: {{subject: "'About ' + name", customer: "id"}}}}
    """}


def make(org, config, trigger, when="", **more):
    write_org(org, automation(trigger, when))
    app = build_app({**config, **more})
    return app, records_of(app)


def fired(results):
    return sorted((f.record_id, f.occurrence) for f in results)


def test_a_cron_schedule_fires_for_each_record_at_matching_minutes_only(org, base_config):
    app, svc = make(org, base_config, '{schedule: "30 9 * * *"}', when="amount is not None")
    ann = svc.create("customer", {"name": "Ann", "amount": 1})
    svc.create("customer", {"name": "Bob"})
    assert tick(app, at(2026, 3, 16, 9, 29)) == []
    assert [(f.record_id, f.outcome) for f in tick(app, at(2026, 3, 16, 9, 30, 20))] == [(ann.id, "ok"), (2, "skipped")]
    assert tick(app, at(2026, 3, 16, 9, 30, 50)) == []
    assert [t["subject"] for t in svc.query("task").page().rows] == ["About Ann"]


def test_an_offset_after_a_datetime_fires_once_when_it_has_passed(org, base_config):
    app, svc = make(org, base_config, "{date_field: follow_up, offset: 3d}")
    ann = svc.create("customer", {"name": "Ann", "follow_up": at(2026, 3, 1, 10, 0)})
    assert tick(app, at(2026, 3, 4, 9, 59)) == []
    assert fired(tick(app, at(2026, 3, 4, 10, 0))) == [(ann.id, "2026-03-01T10:00+00:00")]
    assert tick(app, at(2026, 3, 4, 10, 1)) == []


def test_an_offset_does_not_fire_for_dates_long_past(org, base_config):
    app, svc = make(org, base_config, "{date_field: follow_up, offset: 3d}")
    svc.create("customer", {"name": "Ann", "follow_up": at(2025, 1, 1, 10, 0)})
    assert tick(app, at(2026, 3, 4, 10, 0)) == []


def test_a_negative_offset_on_a_date_fires_the_day_before_at_the_given_time(org, base_config):
    app, svc = make(org, base_config, '{date_field: birthday, offset: -1d, at: "09:00"}')
    ann = svc.create("customer", {"name": "Ann", "birthday": date(2026, 3, 15)})
    assert tick(app, at(2026, 3, 14, 8, 59)) == []
    assert fired(tick(app, at(2026, 3, 14, 9, 0))) == [(ann.id, "2026-03-15")]


def test_an_anniversary_with_an_offset_fires_the_day_before(org, base_config):
    app, svc = make(org, base_config, '{date_field: birthday, every: year, offset: -1d, at: "09:00"}')
    ann = svc.create("customer", {"name": "Ann", "birthday": date(1990, 1, 1)})
    assert tick(app, at(2026, 1, 1, 9, 0)) == []
    assert fired(tick(app, at(2025, 12, 31, 9, 0))) == [(ann.id, "2026")]
    assert tick(app, at(2025, 12, 31, 23, 0)) == []


def test_the_time_of_day_is_in_the_organisations_time_zone(org, base_config):
    app, svc = make(org, base_config, '{date_field: birthday, every: year, at: "09:00"}', TIMEZONE="Europe/Sofia")
    svc.create("customer", {"name": "Ann", "birthday": date(1990, 3, 15)})
    assert tick(app, at(2026, 3, 15, 6, 59)) == []
    assert len(tick(app, at(2026, 3, 15, 7, 0))) == 1          # 09:00 in Sofia (UTC+2)


def test_a_29_february_birthday_is_celebrated_on_the_28th_in_other_years(org, base_config):
    app, svc = make(org, base_config, "{date_field: birthday, every: year}")
    leap = svc.create("customer", {"name": "Leap", "birthday": date(2000, 2, 29)})
    assert fired(tick(app, at(2027, 2, 28, 0, 5))) == [(leap.id, "2027")]
    assert tick(app, at(2028, 2, 28, 0, 5)) == []
    assert fired(tick(app, at(2028, 2, 29, 0, 5))) == [(leap.id, "2028")]


def test_two_schedulers_ticking_at_once_fire_each_occurrence_once(org, base_config):
    app, svc = make(org, base_config, "{date_field: birthday, every: year}")
    for i in range(5):
        svc.create("customer", {"name": f"C{i}", "birthday": date(1990, 3, 15)})
    other = build_app(base_config)
    start = threading.Barrier(2)
    results = []

    def run(target):
        start.wait()
        results.append(tick(target, at(2026, 3, 15, 10, 0)))

    threads = [threading.Thread(target=run, args=(a,)) for a in (app, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(f.record_id for r in results for f in r) == [1, 2, 3, 4, 5]
    assert len(svc.query("task").page().rows) == 5


class Nightly:
    """A plugin with a scheduled job."""

    name = "nightly"

    def __init__(self):
        self.runs = []

    @hookimpl
    def scheduled_jobs(self):
        return [ScheduledJob("count", "0 3 * * *", lambda context: self.runs.append(context.now))]


def test_a_plugins_scheduled_job_runs_at_its_minute_once(org, base_config):
    plugin = Nightly()
    write_org(org, {})
    app = build_app({**base_config, "EXTRA_PLUGINS": [plugin]})
    other = build_app({**base_config, "EXTRA_PLUGINS": [plugin]})
    tick(app, at(2026, 3, 15, 2, 59))
    tick(app, at(2026, 3, 15, 3, 0))
    tick(other, at(2026, 3, 15, 3, 0, 30))
    assert plugin.runs == [at(2026, 3, 15, 3, 0)]


class Flaky:
    """A plugin action that fails, counting its calls."""

    name = "flaky"

    def __init__(self):
        self.calls = 0

    @hookimpl
    def actions(self):
        def fail(record, options, context):
            self.calls += 1
            raise RuntimeError("mail server on fire")

        return [Action("fail_loudly", None, fail)]


def test_a_blocking_time_trigger_that_fails_is_tried_again_at_the_next_tick(org, base_config):
    plugin = Flaky()
    write_org(org, {"automations/timed.yaml": """
        automation: timed
        entity: customer
        blocking: true
        trigger: {date_field: birthday, every: year}
        actions:
          - fail_loudly: {}
    """})
    app = build_app({**base_config, "EXTRA_PLUGINS": [plugin]})
    records_of(app).create("customer", {"name": "Ann", "birthday": date(1990, 3, 15)})
    assert tick(app, at(2026, 3, 15, 10, 0)) == []
    assert tick(app, at(2026, 3, 15, 10, 1)) == []
    assert plugin.calls == 2              # nothing was marked as fired: the failure rolled the claim back
