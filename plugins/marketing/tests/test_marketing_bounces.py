"""Bounces classified by the SMTP server's answer at send time: 5.x.x suppresses at once, 4.x.x after N."""

import pytest
from marketing_helpers import campaign, contact, last_year, send


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "MARKETING_SOFT_BOUNCES": 2}


def test_a_hard_bounce_suppresses_the_address_and_the_rest_is_sent(trellis_app, records, smtp):
    contact(records, "ann", [last_year(5, 3)])
    contact(records, "eve", [last_year(5, 4)])
    smtp.refuse["ann@example.com"] = "550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown"
    record = send(trellis_app, records, campaign(records))
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["eve@example.com"]
    bounced = records.query("marketing_send").filter(campaign=record.id, email="ann@example.com").first()
    assert bounced["status"] == "bounced" and "5.1.1" in bounced["error"]
    suppression = records.query("marketing_suppression").filter(email="ann@example.com").first()
    assert suppression["reason"] == "hard_bounce" and suppression["mailing_list"] is None
    audit = {(change.field, change.new, change.actor) for change in records.history("marketing_suppression",
                                                                                     suppression.id)}
    assert ("reason", "hard_bounce", "marketing") in audit
    assert record["status"] == "sent"


def test_soft_bounces_defer_and_suppress_only_after_the_limit(trellis_app, records, smtp):
    contact(records, "ann", [last_year(5, 3)])
    smtp.refuse["ann@example.com"] = "452 4.2.2 Mailbox full"
    first = send(trellis_app, records, campaign(records))
    assert records.query("marketing_send").filter(campaign=first.id).first()["status"] == "deferred"
    assert records.query("marketing_suppression").first() is None
    send(trellis_app, records, campaign(records, "Second"))
    assert records.query("marketing_suppression").filter(email="ann@example.com").first()["reason"] == "soft_bounces"
    third = send(trellis_app, records, campaign(records, "Third"))
    assert records.query("marketing_send").filter(campaign=third.id).first()["status"] == "suppressed"
    assert smtp.messages == []
