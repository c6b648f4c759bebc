"""Delivery: a campaign's messages go over a few reused SMTP connections, each recipient's once, all recorded."""

from collections import Counter

import pytest
from marketing_helpers import campaign, contact, last_year, send

RECIPIENTS = 25


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "MARKETING_SMTP_CONNECTIONS": 2, "MARKETING_DOMAIN_RATES": {"slow.example": 120}}


def test_messages_share_a_few_connections_and_each_outcome_is_recorded(trellis_app, records, smtp):
    for n in range(RECIPIENTS):
        contact(records, f"buyer{n:02d}", [last_year(5, 6)])
    smtp.refuse["buyer07@example.com"] = "550 5.1.1 No such user"
    done = send(trellis_app, records, campaign(records))
    assert done["status"] == "sent"
    per_address = Counter(m["To"].addresses[0].addr_spec for m in smtp.messages)
    assert sorted(per_address) == sorted(f"buyer{n:02d}@example.com" for n in range(RECIPIENTS) if n != 7)
    assert set(per_address.values()) == {1}
    assert len(set(smtp.peers)) <= 2 < len(smtp.peers)
    statuses = Counter(s["status"] for s in records.query("marketing_send").filter(campaign=done.id).iterate())
    assert statuses == {"sent": RECIPIENTS - 1, "bounced": 1}
    assert records.query("marketing_suppression").filter(email="buyer07@example.com").first()["reason"] == "hard_bounce"


def test_a_throttled_domain_waits_while_the_others_go(trellis_app, records, smtp):
    for name, domain in (("ann", "slow.example"), ("bob", "fast.example"), ("cid", "slow.example"),
                         ("dan", "fast.example"), ("eve", "slow.example")):
        records.create("contact", {"last_name": name, "email": f"{name}@{domain}", "city": "Throttle"})
    records.create("marketing_segment", {"name": "throttle", "conditions": "contact: {city: Throttle}"})
    send(trellis_app, records, campaign(records, segment="throttle"))
    order = [m["To"].addresses[0].addr_spec for m in smtp.messages]
    assert sorted(order) == ["ann@slow.example", "bob@fast.example", "cid@slow.example", "dan@fast.example",
                             "eve@slow.example"]
    assert order.index("dan@fast.example") < order.index("cid@slow.example")   # not held behind the slow domain
    slow = [at for at, m in zip(smtp.times, smtp.messages, strict=True) if "slow.example" in m["To"]]
    assert all(later - earlier >= 0.45 for earlier, later in zip(slow, slow[1:], strict=False))   # 120/minute


def test_a_wrong_domain_rate_is_refused():
    from trellis_plugins.marketing.delivery import domain_rates

    assert domain_rates({"Gmail.com": 600}) == {"gmail.com": 600}
    assert domain_rates('{"yahoo.com": 60}') == {"yahoo.com": 60}
    for wrong in ({"gmail.com": 0}, {"gmail.com": "fast"}, {"gmail.com": 10**9}, "[1, 2]"):
        with pytest.raises(ValueError):
            domain_rates(wrong)


def test_the_number_of_connections_is_bounded():
    from trellis_plugins.marketing.delivery import connections

    assert connections("4") == 4
    for wrong in ("0", "33", "many"):
        with pytest.raises(ValueError):
            connections(wrong)


def test_a_recipients_history_keeps_its_status_not_the_senders_bookkeeping(trellis_app, records, smtp):
    contact(records, "ann", [last_year(5, 6)])
    done = send(trellis_app, records, campaign(records))
    sent = records.query("marketing_send").filter(campaign=done.id).first()
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["sent_at"] and sent["message_key"]
    changes = records.history("marketing_send", sent.id)
    assert [(c.old, c.new, c.actor) for c in changes if c.field == "status" and c.old] == [
        ("queued", "sending", "marketing"), ("sending", "sent", "marketing")]
    assert not {c.field for c in changes if c.old is not None or c.new is not None} & {"attempts", "sent_at",
                                                                                         "message_key"}
