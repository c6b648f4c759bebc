"""Two senders on one campaign at once: each recipient is claimed by one of them and gets one message."""

import threading

from marketing_helpers import campaign, contact, last_year
from trellis_plugins.marketing.sending import send_campaign

RECIPIENTS = 30


def test_two_senders_at_once_send_each_recipient_exactly_one_message(trellis_app, records, smtp):
    for n in range(RECIPIENTS):
        contact(records, f"buyer{n:02d}", [last_year(5, 6)])
    record = records.transition("marketing_campaign", campaign(records).id, "schedule")
    tallies, errors, start = [], [], threading.Barrier(2)

    def sender():
        try:
            start.wait()
            with trellis_app.app_context():
                tallies.append(send_campaign(trellis_app, {"campaign": record.id}))
        except Exception as error:   # reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    addresses = sorted(m["To"].addresses[0].addr_spec for m in smtp.messages)
    assert addresses == sorted(f"buyer{n:02d}@example.com" for n in range(RECIPIENTS))
    assert sum(t.get("sent", 0) for t in tallies) == RECIPIENTS
    assert records.get("marketing_campaign", record.id)["status"] == "sent"
