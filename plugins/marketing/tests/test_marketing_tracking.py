"""Tracking links: signed per recipient; forged or altered tokens refused; clicks go only to the message's URLs;
scanners and prefetchers are not counted."""


import pytest
from marketing_helpers import campaign, contact, last_year, send
from trellis_plugins.marketing.messages import token

PERSON = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Thunderbird/115"}


@pytest.fixture
def sent(trellis_app, records, smtp):
    ann = contact(records, "ann", [last_year(5, 3)])
    record = send(trellis_app, records, campaign(records))
    (message,) = smtp.messages
    html = message.get_body(("html",)).get_content()
    link = html.split('href="http://crm.example', 1)[1].split('"', 1)[0]
    pixel = html.split('src="http://crm.example', 1)[1].split('"', 1)[0]
    delivery = records.query("marketing_send").filter(campaign=record.id, contact=ann.id).first()
    return {"link": link, "pixel": pixel, "send": delivery, "client": trellis_app.test_client()}


def tampered(path: str) -> str:
    """``path`` with one character of its token's signature changed."""
    head, last = path[:-1], path[-1]
    return head + ("A" if last != "A" else "B")


def test_an_altered_click_token_is_refused_and_counts_nothing(sent, records):
    answer = sent["client"].get(tampered(sent["link"]), headers=PERSON)
    assert answer.status_code == 404
    assert records.get("marketing_send", sent["send"].id)["clicked_at"] is None


def test_a_token_signed_for_another_url_or_with_another_key_is_refused(sent, trellis_app):
    client = sent["client"]
    forged = trellis_app.config["SECRET_KEY"]
    try:
        trellis_app.config["SECRET_KEY"] = "someone else's key"
        with trellis_app.app_context():
            elsewhere = token(trellis_app, "c", sent["send"].id, "https://evil.example/")
    finally:
        trellis_app.config["SECRET_KEY"] = forged
    assert client.get(f"/m/c/{elsewhere}", headers=PERSON).status_code == 404
    with trellis_app.app_context():
        unsubscribe_as_click = token(trellis_app, "u", sent["send"].id)
    assert client.get(f"/m/c/{unsubscribe_as_click}", headers=PERSON).status_code == 404
    assert client.post(tampered(f"/m/u/{unsubscribe_as_click}")).status_code == 404


def test_a_click_redirects_to_the_messages_url_and_counts_once(sent, records):
    answer = sent["client"].get(sent["link"], headers=PERSON)
    assert answer.status_code == 302 and answer.location.startswith("https://shop.example/mothers-day?")
    first = records.get("marketing_send", sent["send"].id)
    assert first["clicked_at"] is not None and first["opened_at"] is not None
    sent["client"].get(sent["link"], headers=PERSON)
    assert records.get("marketing_send", sent["send"].id)["clicked_at"] == first["clicked_at"]


@pytest.mark.parametrize("how", ["head", "scanner agent", "no agent"])
def test_scanners_and_prefetchers_are_not_counted(sent, records, how):
    client = sent["client"]
    if how == "head":
        answer = client.head(sent["pixel"], headers=PERSON)
    else:
        agent = "Mozilla/5.0 (compatible; Barracuda Sentinel)" if how == "scanner agent" else ""
        answer = client.get(sent["pixel"], headers={"User-Agent": agent})
    assert answer.status_code == 200 and answer.mimetype == "image/gif"
    assert records.get("marketing_send", sent["send"].id)["opened_at"] is None
    client.get(sent["pixel"], headers=PERSON)
    assert records.get("marketing_send", sent["send"].id)["opened_at"] is not None


def test_an_open_within_seconds_of_delivery_is_a_prefetch(sent, records, trellis_app):
    trellis_app.config["MARKETING_SCANNER_SECONDS"] = 60
    sent["client"].get(sent["pixel"], headers=PERSON)
    assert records.get("marketing_send", sent["send"].id)["opened_at"] is None


def test_the_unsubscribe_link_asks_first_and_a_get_changes_nothing(sent, records, smtp):
    path = smtp.messages[0]["List-Unsubscribe"].strip().strip("<>").replace("http://crm.example", "")
    page = sent["client"].get(path, headers=PERSON)
    assert page.status_code == 200 and "ann@example.com" in page.text and 'method="post"' in page.text
    assert records.query("marketing_suppression").first() is None
    done = sent["client"].post(path)
    assert done.status_code == 200 and "marketing-unsubscribed" in done.text
    assert records.query("marketing_suppression").filter(email="ann@example.com").first()["reason"] == "unsubscribed"


def test_a_template_cannot_reach_python_internals_and_a_broken_one_is_refused(trellis_app, records, smtp):
    from trellis import ValidationError

    with pytest.raises(ValidationError) as refused:
        records.create("email_template", {"name": "Broken", "subject": "Hi {{ first_name", "body": "<p>x</p>"})
    assert "subject" in refused.value.fields
    contact(records, "ann", [last_year(5, 3)])
    sneaky = records.create("email_template", {"name": "Sneaky", "subject": "Hi {{ first_name.__class__ }}",
                                               "body": "<p>{{ first_name.__class__.__mro__ }}{{ config }}</p>"})
    record = send(trellis_app, records, campaign(records, template=sneaky.id))
    assert smtp.messages == []
    (refused_send,) = records.query("marketing_send").filter(campaign=record.id).iterate()
    assert refused_send["status"] == "deferred" and "unsafe" in refused_send["error"]
