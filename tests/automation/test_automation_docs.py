"""The examples in docs/automation.md work: they load together, and the three worked examples do what they say."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from automation_helpers import build_app, records_of
from trellis.automation import drain, tick
from trellis.runtime import runtime

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "automation.md"
TEXT = GUIDE.read_text(encoding="utf-8")
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", TEXT, flags=re.S)
TEMPLATES = re.findall(r"```jinja\n\{# metadata/(\S+) #\}\n(.*?)```", TEXT, flags=re.S)
# What the examples use but leave to a plugin (a sales plugin would define these).
SUPPORT = {
    "deal.yaml": """
entity: deal
title: name
fields:
  name: {type: string, required: true}
  amount: {type: money}
  contact: {type: link, to: contact}
  stage: {type: selection, options: [new, qualified, proposal, won, lost]}
""",
    "order.yaml": "entity: order\nfields: {deal: {type: link, to: deal}, amount: money}\n",
}



@pytest.fixture
def runner():
    """The guide's examples run with the in-process runner only (the runners are tested elsewhere)."""
    return "inprocess"


@pytest.fixture
def guide_app(org, base_config, smtp):
    """An app whose organisation folder holds every example of the guide (the birthday one enabled)."""
    folder = org / "metadata"
    for name, text in SUPPORT.items():
        (folder / name).write_text(text, encoding="utf-8")
    for index, block in enumerate(YAML_BLOCKS):
        (folder / f"example{index:02}.yaml").write_text(block.replace("enabled: false", "enabled: true"), "utf-8")
    for relative, text in TEMPLATES:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    app = build_app({**base_config, "PLUGINS": ["contacts"], "SMTP_URL": smtp.url})
    for email in ("ann@example.com", "bob@example.com"):       # the team of the reference example
        records_of(app).create("user", {"email": email})
    return app


def test_the_guide_has_the_three_worked_examples_and_their_templates():
    names = {m for block in YAML_BLOCKS for m in re.findall(r"^automation: (\w+)", block, flags=re.M)}
    assert {"birthday_greeting", "quote_follow_up", "big_deal_alert"} <= names
    assert {relative for relative, _ in TEMPLATES} == {"emails/birthday.txt", "emails/birthday.html"}


def test_the_birthday_automation_is_shipped_disabled():
    [block] = [b for b in YAML_BLOCKS if "automation: birthday_greeting" in b]
    assert "enabled: false" in block


def test_the_birthday_example_greets_by_email_and_adds_a_call(guide_app, smtp):
    svc = records_of(guide_app)
    ann = svc.create("contact", {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com",
                                 "birthday": date(1990, 3, 15)})
    tick(guide_app, datetime(2026, 3, 15, 9, 0, tzinfo=UTC))
    drain(guide_app)
    [message] = smtp.messages
    assert message["Subject"] == "Happy birthday, Ann!" and message["To"] == "ann@example.com"
    assert "<strong>very happy birthday</strong>" in message.get_body(("html",)).get_content()
    call = svc.query("activity").filter(contact=ann.id).first()
    assert call["subject"] == "Call Ann for their birthday"


def test_the_quote_example_adds_a_follow_up_due_in_three_days(guide_app):
    svc = records_of(guide_app)
    ann = svc.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    deal = svc.create("deal", {"name": "Roof", "amount": 500, "contact": ann.id})
    svc.transition("deal", deal.id, "qualify")
    sent = svc.transition("deal", deal.id, "send_quote")
    follow_up = svc.query("activity").filter(ref_entity="deal", ref_record=deal.id).first()
    assert (follow_up["subject"], follow_up["kind"], follow_up["contact"]["id"]) == \
        ("Follow up on the quote for Roof", "call", ann.id)
    assert abs(follow_up["due"] - (sent.updated_at + timedelta(days=3))) < timedelta(seconds=5)


def test_the_big_deal_example_emails_the_manager_only_over_ten_thousand(guide_app, smtp):
    svc = records_of(guide_app)
    small = svc.create("deal", {"name": "Small", "amount": 900})
    svc.create("deal", {"name": "Big", "amount": 25000})
    svc.update("deal", small.id, {"amount": 12000})
    drain(guide_app)
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [
        ("manager@example.com", "Big deal: Big (25000.00)"), ("manager@example.com", "Big deal: Small (12000.00)")]


def test_the_reference_example_hands_new_contacts_out_in_turn(guide_app):
    svc = records_of(guide_app)
    owners = [svc.create("contact", {"last_name": name}).id for name in ("A", "B", "C")]
    emails = [svc.get("user", svc.get("contact", i)["owner"])["email"] for i in owners]
    assert emails == ["ann@example.com", "bob@example.com", "ann@example.com"]
    assert set(runtime(guide_app).metadata.automations) == \
        {"share_new_contacts", "birthday_greeting", "quote_follow_up", "big_deal_alert"}
