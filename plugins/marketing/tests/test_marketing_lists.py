"""Mailing lists: consent, double opt-in, one message per address across list and segment, per-list suppression."""

import pytest
from marketing_helpers import campaign, contact, last_year, send
from trellis.automation import drain, emails_for

PERSON = {"User-Agent": "Mozilla/5.0 Thunderbird/115"}


def subscribe(records, listed, person, **values):
    return records.create("mailing_subscription", {"mailing_list": listed.id, "contact": person.id,
                                                   "consent_source": "shop form", **values})


def test_double_opt_in_waits_for_the_contacts_confirmation(trellis_app, records, smtp):
    listed = records.create("mailing_list", {"name": "Garden club", "double_opt_in": True})
    ann = contact(records, "ann")
    pending = subscribe(records, listed, ann)
    assert pending["status"] == "pending" and pending["email"] == "ann@example.com"
    drain(trellis_app)
    (mail,) = smtp.to("ann@example.com")
    link = mail.get_content().split("http://crm.example", 1)[1].split()[0]
    client = trellis_app.test_client()
    assert client.get(link, headers=PERSON).status_code == 200
    assert records.get("mailing_subscription", pending.id)["status"] == "pending"    # a GET confirms nothing
    assert client.post(link[:-2] + "xx").status_code == 404
    assert client.post(link).status_code == 200
    confirmed = records.get("mailing_subscription", pending.id)
    assert confirmed["status"] == "subscribed" and confirmed["confirmed_at"] is not None
    assert emails_for(trellis_app, "mailing_subscription", pending.id)


def test_one_message_per_address_across_list_and_segment_and_per_list_suppression(trellis_app, records, smtp):
    listed = records.create("mailing_list", {"name": "News"})
    ann = contact(records, "ann", [last_year(5, 3)])
    twin = records.create("contact", {"last_name": "Ann (duplicate)", "email": "ANN@example.com"})
    eve = contact(records, "eve")
    gus = contact(records, "gus")
    for person in (ann, twin, eve, gus):
        subscribe(records, listed, person)
    records.create("marketing_suppression", {"email": "gus@example.com", "mailing_list": listed.id,
                                             "reason": "manual"})
    other = records.create("mailing_list", {"name": "Other"})
    records.create("marketing_suppression", {"email": "eve@example.com", "mailing_list": other.id, "reason": "manual"})
    record = send(trellis_app, records, campaign(records, mailing_list=listed.id))
    assert sorted(m["To"].addresses[0].addr_spec.lower() for m in smtp.messages) == [
        "ann@example.com", "eve@example.com"]
    statuses = {s["contact"]: s["status"] for s in records.query("marketing_send").filter(campaign=record.id).iterate()}
    assert statuses == {ann.id: "sent", eve.id: "sent", gus.id: "suppressed"}


def test_order_conditions_without_the_sales_plugin_are_refused(tmp_path):
    import trellis_plugins.marketing
    from trellis import ValidationError
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.data.records import records_for
    from trellis_plugins.marketing import segments

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite'}", "ORG_DIR": str(tmp_path),
                      "TESTING": True, "SECRET_KEY": "x", "PLUGINS": ["contacts"],
                      "EXTRA_PLUGINS": [trellis_plugins.marketing]})
    upgrade(app)
    with app.app_context():
        records = records_for(app)
        contact(records, "ann", city="Sofia")
        assert segments.count(records, segments.from_text("t", "contact: {city: Sofia}"), last_year(1, 1)) == 1
        with pytest.raises(ValidationError) as refused:
            segments.count(records, segments.from_text("t", "orders: {min_count: 2}"), last_year(1, 1))
    assert "sales plugin" in refused.value.fields["orders"]
