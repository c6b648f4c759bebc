"""``trellis.queue_email`` from a plugin's hook: rendered with the record, sent after commit, never on rollback."""

from __future__ import annotations

import pytest
from automation_helpers import build_app, records_of, write_org
from trellis import ValidationError, hookimpl, metadata_model, queue_email
from trellis.automation import emails_for


class Welcome:
    """Emails every new customer who has an address; refuses a customer called "Nobody" after queueing."""

    name = "welcome"

    @hookimpl(entities=["customer"])
    def after_save(self, record, changes, context):
        if record.version == 1 and record.get("email"):
            queue_email(record, record["email"], subject="Welcome, {{ name }}!", body="Dear {{ name }}, hello.")
            if record["name"] == "Nobody":
                raise ValidationError({"name": "Nobody may not join"})


@pytest.fixture
def app(org, base_config, smtp, worker):
    write_org(org, {})
    return worker.attach(build_app({**base_config, "SMTP_URL": smtp.url, "EXTRA_PLUGINS": [Welcome()]}))


def test_a_plugins_email_is_rendered_sent_after_commit_and_logged_under_the_plugin(app, smtp, worker):
    ann = records_of(app).create("customer", {"name": "Ann", "email": "ann@example.com"})
    worker.settle(app)
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [("ann@example.com", "Welcome, Ann!")]
    assert "Dear Ann, hello." in smtp.messages[0].get_body().get_content()
    with app.app_context():
        assert [(e["automation"], e["status"]) for e in emails_for(app, "customer", ann.id)] == [("welcome", "sent")]


def test_a_write_rolled_back_after_queueing_sends_nothing(app, smtp, worker):
    with pytest.raises(ValidationError):
        records_of(app).create("customer", {"name": "Nobody", "email": "nobody@example.com"})
    worker.settle(app)
    assert smtp.messages == []


def test_the_metadata_model_of_the_running_app(app):
    with app.app_context():
        customer = metadata_model().entities["customer"]
        assert customer.title == "name" and customer.fields["email"].type == "email"
