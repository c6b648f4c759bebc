"""Bounces from the mailbox: a delivery status notification (RFC 3464) read by `trellis mail ingest` is matched to
the campaign message it reports on; a hard failure bounces and suppresses, a delay defers; others change nothing."""

import pytest
from marketing_helpers import campaign, contact, last_year, send

DSN = """\
From: MAILER-DAEMON@mx.example (Mail Delivery System)
To: news@shop.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"
Message-Id: <dsn-{n}@mx.example>

--B1
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to one or more recipients.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--B1
Content-Type: text/rfc822-headers

From: news@shop.example
To: {recipient}
Subject: 20% off
Message-ID: {message_id}

--B1--
"""


@pytest.fixture
def sent(trellis_app, records, smtp):
    ann, eve = contact(records, "ann", [last_year(5, 3)]), contact(records, "eve", [last_year(5, 9)])
    record = send(trellis_app, records, campaign(records))
    keys = {m["To"].addresses[0].addr_spec: m["Message-ID"] for m in smtp.messages}
    return record, keys, ann, eve


def ingest(app, **values):
    from trellis.cli.entry import cli

    text = DSN.format(**{"n": id(values), "action": "failed", "status": "5.1.1",
                         "diagnostic": "550 5.1.1 User unknown", **values})
    return app.test_cli_runner().invoke(cli, ["mail", "ingest"], input=text.encode())


def status_of(records, record, address):
    return records.query("marketing_send").filter(campaign=record.id, email=address).first()["status"]


def test_a_hard_bounce_report_bounces_the_recipient_and_suppresses_the_address(trellis_app, records, sent):
    record, keys, _ann, _eve = sent
    taken = ingest(trellis_app, recipient="ann@example.com", message_id=keys["ann@example.com"])
    assert taken.exit_code == 0 and "bounce: bounced #" in taken.output, taken.output
    assert status_of(records, record, "ann@example.com") == "bounced"
    assert status_of(records, record, "eve@example.com") == "sent"
    suppressed = records.query("marketing_suppression").filter(email="ann@example.com").first()
    assert suppressed["reason"] == "hard_bounce" and "5.1.1" in suppressed["note"]


def test_a_delay_report_defers_the_recipient(trellis_app, records, sent):
    record, keys, _ann, _eve = sent
    taken = ingest(trellis_app, recipient="eve@example.com", message_id=keys["eve@example.com"], action="delayed",
                   status="4.4.7", diagnostic="451 4.4.7 queue too long")
    assert taken.exit_code == 0 and "bounce: deferred #" in taken.output, taken.output
    assert status_of(records, record, "eve@example.com") == "deferred"
    assert records.query("marketing_suppression").first() is None


@pytest.mark.parametrize("values", [
    {"recipient": "eve@example.com", "key": "ann@example.com"},      # a report about someone else's message
    {"recipient": "ann@example.com", "message_id": "<mkt-999-1@shop.example>"},   # a message we never sent
    {"recipient": "ann@example.com", "key": "ann@example.com", "status": "bad"},  # no valid status
])
def test_a_report_that_does_not_match_a_sent_message_changes_nothing(trellis_app, records, sent, values):
    record, keys, _ann, _eve = sent
    values = dict(values)
    if "key" in values:
        values["message_id"] = keys[values.pop("key")]
    answer = ingest(trellis_app, **values)
    assert "bounce" not in answer.output, answer.output   # marketing did not take it (another plugin may)
    assert {status_of(records, record, a) for a in ("ann@example.com", "eve@example.com")} == {"sent"}
    assert records.query("marketing_suppression").first() is None
