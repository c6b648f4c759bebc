"""The birthday automation: exactly one email per contact per year, to a real SMTP server, across ticks and restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from automation_helpers import build_app, records_of, write_org
from trellis.automation import emails_for, recent_runs, tick

BIRTHDAY = {
    "automations/birthday.yaml": """
        automation: birthday_greeting
        entity: customer
        trigger: {date_field: birthday, every: year, at: "09:00"}
        when: "email is not None"
        actions:
          - email: {to: "email", template: birthday}
    """,
    "emails/birthday.txt": """\
        Subject: Happy birthday, {{ name }}!

        Dear {{ name }}, all the best from all of us.
    """,
    "emails/birthday.html": """\
        <p>Dear <b>{{ name }}</b>, all the best from all of us.</p>
    """,
}


@pytest.fixture
def world(org, base_config, smtp, worker):
    """An app with the birthday automation; Ann (with email) and Bob (without) born on 15 March, Cy in July."""
    write_org(org, BIRTHDAY)
    config = {**base_config, "SMTP_URL": smtp.url}
    app = worker.attach(build_app(config))
    svc = records_of(app)
    people = {
        "ann": svc.create("customer", {"name": "Ann", "email": "ann@example.com", "birthday": date(1990, 3, 15)}),
        "bob": svc.create("customer", {"name": "Bob", "birthday": date(1985, 3, 15)}),
        "cy": svc.create("customer", {"name": "Cy", "email": "cy@example.com", "birthday": date(1990, 7, 1)}),
    }
    return app, config, people


def at(*args):
    return datetime(*args, tzinfo=UTC)


def test_nothing_is_sent_before_the_time_of_day(world, smtp, worker):
    app, _, _ = world
    assert tick(app, at(2026, 3, 15, 8, 59)) == []
    worker.settle(app)
    assert smtp.messages == []


def test_the_birthday_email_goes_out_once_across_ticks_and_a_restart(world, smtp, worker):
    app, config, people = world
    first = tick(app, at(2026, 3, 15, 9, 0))
    assert sorted((f.record_id, f.outcome) for f in first) == [(people["ann"].id, "ok"), (people["bob"].id, "skipped")]
    worker.settle(app)
    assert tick(app, at(2026, 3, 15, 9, 1)) == []
    restarted = build_app(config)                  # a second process on the same database
    assert tick(restarted, at(2026, 3, 15, 17, 30)) == []
    worker.settle(app)
    assert [m["To"] for m in smtp.messages] == ["ann@example.com"]


def test_the_next_year_brings_the_next_email(world, smtp, worker):
    app, _, _ = world
    tick(app, at(2026, 3, 15, 9, 0))
    tick(app, at(2027, 3, 15, 9, 0))
    worker.settle(app)
    assert [m["To"] for m in smtp.messages] == ["ann@example.com", "ann@example.com"]


def test_the_email_has_a_rendered_subject_and_text_and_html_parts(world, smtp, worker):
    app, _, _ = world
    tick(app, at(2026, 3, 15, 9, 0))
    worker.settle(app)
    [message] = smtp.messages
    assert message["Subject"] == "Happy birthday, Ann!"
    assert message["From"] == "crm@example.com"
    assert "Dear Ann, all the best" in message.get_body(("plain",)).get_content()
    assert "<b>Ann</b>" in message.get_body(("html",)).get_content()


def test_the_sent_email_is_logged_on_the_record_and_the_run_recorded(world, smtp, worker):
    app, _, people = world
    tick(app, at(2026, 3, 15, 9, 0))
    worker.settle(app)
    [logged] = emails_for(app, "customer", people["ann"].id)
    assert (logged["recipient"], logged["subject"], logged["status"]) == \
        ("ann@example.com", "Happy birthday, Ann!", "sent")
    assert {(r.record_id, r.trigger, r.outcome) for r in recent_runs(app)} == \
        {(people["ann"].id, "anniversary", "ok"), (people["bob"].id, "anniversary", "skipped")}


def test_a_disabled_automation_never_fires(org, base_config, smtp, worker):
    files = dict(BIRTHDAY)
    files["automations/birthday.yaml"] = files["automations/birthday.yaml"].replace(
        "entity: customer", "entity: customer\n        enabled: false")
    write_org(org, files)
    app = worker.attach(build_app({**base_config, "SMTP_URL": smtp.url}))
    records_of(app).create("customer", {"name": "Ann", "email": "a@example.com", "birthday": date(1990, 3, 15)})
    assert tick(app, at(2026, 3, 15, 9, 0)) == []


def birthday_app(org, base_config, smtp, worker, text):
    files = {**BIRTHDAY, "emails/birthday.txt": text}
    write_org(org, files)
    app = worker.attach(build_app({**base_config, "SMTP_URL": smtp.url}))
    records_of(app).create("customer", {"name": "Ann", "email": "a@example.com", "birthday": date(1990, 3, 15)})
    tick(app, at(2026, 3, 15, 9, 0))
    worker.settle(app)
    return app


def test_a_template_sees_the_record_values_and_nothing_else(org, base_config, smtp, worker):
    birthday_app(org, base_config, smtp, worker, "Subject: Hi\n\n{{ config }}|{{ app }}|{{ name }}\n")
    [message] = smtp.messages
    assert message.get_body(("plain",)).get_content().strip() == "||Ann"


def test_a_template_reaching_into_python_fails_the_run_and_sends_nothing(org, base_config, smtp, worker):
    app = birthday_app(org, base_config, smtp, worker, "Subject: Hi\n\n{{ name.__class__.__mro__ }}\n")
    assert smtp.messages == []
    [run] = recent_runs(app)
    assert run.outcome == "failed" and "unsafe" in run.error
