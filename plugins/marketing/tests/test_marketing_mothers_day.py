"""The source's example: everyone who bought in the two weeks before Mother's Day last year gets the email.

Two years of orders; the segment (a YAML document) picks exactly the right contacts;
the campaign goes through a real SMTP server to exactly them, each message carrying
a working one-click unsubscribe and tracked links; the next campaign skips whoever
unsubscribed.
"""

from datetime import date

import pytest
from marketing_helpers import campaign, contact, last_year, send
from trellis_plugins.marketing import segments


@pytest.fixture
def shop(records):
    two_years_ago = date.today().year - 2
    return {
        "ann": contact(records, "ann", [last_year(5, 1), last_year(11, 3)]),
        "eve": contact(records, "eve", [last_year(5, 14)]),
        "fay": contact(records, "fay", [last_year(5, 7), last_year(5, 9)], city="Sofia"),
        "bob": contact(records, "bob", [last_year(5, 10)], do_not_contact=True),
        "cid": contact(records, "cid", [last_year(5, 15), last_year(4, 30)]),
        "dan": contact(records, "dan", [date(two_years_ago, 5, 5)]),
        "gus": contact(records, "gus"),
    }


def test_the_segment_selects_exactly_those_who_ordered_on_1_to_14_may_last_year(records, shop):
    segment = segments.find(records, "mothers_day")
    ids = {row[0] for row in records.query("contact").aggregate(
        lambda dialect: segments.statement(records, segment, date.today()))}
    assert ids == {shop["ann"].id, shop["eve"].id, shop["fay"].id}
    assert segments.count(records, segment, date.today()) == 3


def test_the_campaign_reaches_exactly_them_and_an_unsubscriber_is_skipped_next_time(trellis_app, records, shop, smtp):
    first = send(trellis_app, records, campaign(records))
    assert first["status"] == "sent"
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == [
        "ann@example.com", "eve@example.com", "fay@example.com"]
    (message,) = smtp.to("ann@example.com")
    assert message["Subject"] == "Ann, 20% off for Mother's Day"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",)).get_content()
    assert "https://shop.example" not in html     # every link goes through the signed redirect
    assert "Shop now (http://crm.example/m/c/" in message.get_body(("plain",)).get_content()

    client = trellis_app.test_client()
    link = html.split('href="http://crm.example', 1)[1].split('"', 1)[0]
    answer = client.get(link, headers={"User-Agent": "Mozilla/5.0 Thunderbird"})
    assert answer.status_code == 302
    assert answer.location == ("https://shop.example/mothers-day?utm_source=trellis&utm_medium=email"
                               "&utm_campaign=Mother%27s+Day")
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>").replace("http://crm.example", "")
    answer = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200, (unsubscribe, answer.text[:300])
    assert records.query("marketing_suppression").filter(email="ann@example.com", reason="unsubscribed").first()

    smtp.messages.clear()
    second = send(trellis_app, records, campaign(records, "Mother's Day reminder"))
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == ["eve@example.com", "fay@example.com"]
    skipped = records.query("marketing_send").filter(campaign=second.id, contact=shop["ann"].id).first()
    assert skipped["status"] == "suppressed"
