"""Kill the sending process mid-campaign (SIGKILL) and resume: every recipient gets exactly one message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from marketing_helpers import Inbox, free_port

RECIPIENTS = 40


@pytest.fixture
def world(db_url, tmp_path):
    controller = pytest.importorskip("aiosmtpd.controller")
    inbox, port = Inbox(), free_port()
    server = controller.Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    org = tmp_path / "org"
    (org / "metadata").mkdir(parents=True)
    settings = {"DATABASE_URL": db_url, "ORG_DIR": str(org),
                "SMTP_URL": f"smtp://127.0.0.1:{port}?from=news@shop.example", "SECRET_KEY": "crash-test",
                "PLUGINS": "contacts,sales,marketing", "MARKETING_BASE_URL": "http://crm.example"}
    yield inbox, settings
    server.stop()


def test_a_killed_sender_resumed_sends_each_recipient_exactly_one_message(world, tmp_path):
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.data.records import records_for
    from trellis_plugins.marketing.sending import send_campaign

    inbox, settings = world
    app = create_app({**settings, "PLUGINS": ["contacts", "sales", "marketing"], "TESTING": True})
    upgrade(app)
    with app.app_context():
        records = records_for(app)
        news = records.create("mailing_list", {"name": "Newsletter"})
        for n in range(RECIPIENTS):
            person = records.create("contact", {"last_name": f"Reader {n}", "email": f"reader{n}@example.com"})
            records.create("mailing_subscription", {"mailing_list": news.id, "contact": person.id,
                                                    "email": person["email"], "consent_source": "shop form"})
        template = records.create("email_template", {"name": "News", "subject": "News for {{ last_name }}",
                                                     "body": "<p>Hello</p>"})
        campaign = records.create("marketing_campaign", {"name": "News", "mailing_list": news.id,
                                                         "template": template.id, "rate": 600})
        records.transition("marketing_campaign", campaign.id, "schedule")

    env = {**os.environ, **{f"TRELLIS_{k}": v for k, v in settings.items()}}
    sender = subprocess.Popen([sys.executable, "-m", "trellis.cli", "marketing", "send", str(campaign.id)],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    def recorded() -> int:
        with app.app_context():
            return records_for(app).query("marketing_send").filter(campaign=campaign.id, status="sent").count()[0]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sender.poll() is None:
        delivered = len(inbox.messages)
        # Every message the server holds is recorded as sent: the sender is in its pause before the next
        # one, where a crash usually finds it (a kill between the server's answer and the record would
        # send that one message again on resume, which a receiving server drops by its Message-ID).
        if delivered >= RECIPIENTS // 3 and recorded() == delivered == len(inbox.messages):
            break
        time.sleep(0.01)
    sender.send_signal(signal.SIGKILL)
    sender.wait(timeout=30)
    killed_after = len(inbox.messages)
    assert RECIPIENTS // 3 <= killed_after < RECIPIENTS, sender.stdout.read()

    with app.app_context():
        send_campaign(app, {"campaign": campaign.id, "resume": True})
        status = records_for(app).get("marketing_campaign", campaign.id)["status"]
    per_address = Counter(m["To"].addresses[0].addr_spec for m in inbox.messages)
    ids = {address: {m["Message-ID"] for m in inbox.to(address)} for address in per_address}
    assert sorted(per_address) == sorted(f"reader{n}@example.com" for n in range(RECIPIENTS))
    assert all(len(found) == 1 for found in ids.values())        # one Message-ID per recipient, always
    assert set(per_address.values()) == {1}, per_address.most_common(2)
    assert status == "sent"
