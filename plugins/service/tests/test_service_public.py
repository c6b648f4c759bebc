"""The customer's status page and rating, by a signed link without signing in."""

import re

import pytest


@pytest.fixture
def resolved(trellis_app, records):
    contact = records.create("contact", {"last_name": "Petrova", "email": "ivana@example.bg"})
    ticket = records.create("ticket", {"subject": "Broken kettle", "contact": contact.id, "email": "ivana@example.bg"})
    records.create("ticket_message", {"ticket": ticket.id, "kind": "inbound", "body": "It leaks"})
    records.create("ticket_message", {"ticket": ticket.id, "kind": "note", "body": "Customer sounds angry"})
    records.create("ticket_message", {"ticket": ticket.id, "kind": "outbound", "body": "We send a new one"})
    records.transition("ticket", ticket.id, "resolve")
    return ticket


def _link(app, ticket_id):
    from trellis.automation.email import emails_for

    (email,) = [e for e in emails_for(app, "ticket", ticket_id) if e["subject"].startswith("How did we do?")]
    return email


def _status_path(app, ticket_id):
    from trellis_plugins.service.public import status_token

    with app.test_request_context():
        return f"/support/ticket/{status_token(ticket_id)}"


def test_resolving_emails_a_rating_link_and_the_page_shows_the_thread_without_notes(trellis_app, resolved):
    assert _link(trellis_app, resolved.id)["recipient"] == "ivana@example.bg"
    page = trellis_app.test_client().get(_status_path(trellis_app, resolved.id) + "?score=4")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Broken kettle" in text and "It leaks" in text and "We send a new one" in text
    assert "Customer sounds angry" not in text
    assert re.search(r'value="4" required checked', text)  # the score clicked in the email, not yet saved


def test_the_customer_rates_once_resolved_and_a_wrong_score_saves_nothing(trellis_app, records, resolved):
    from trellis.testing.web import post

    client = trellis_app.test_client()
    path = _status_path(trellis_app, resolved.id)
    refused = post(client, path + "/rating", {"score": "6", "comment": "x"}, form_page=path)
    assert refused.status_code == 303 and records.get("ticket", resolved.id)["rating"] is None
    saved = post(client, path + "/rating", {"score": "5", "comment": "Fast!"}, form_page=path)
    assert saved.status_code == 303
    rated = records.get("ticket", resolved.id)
    assert (rated["rating"], rated["rating_comment"]) == (5, "Fast!") and rated["rated_at"] is not None
    assert "Thank you for your rating!" in client.get(path).get_data(as_text=True)


def test_a_forged_or_changed_token_finds_nothing_and_a_post_needs_the_csrf_token(trellis_app, records, resolved):
    client = trellis_app.test_client()
    path = _status_path(trellis_app, resolved.id)
    assert client.get(path[:-2] + "xx").status_code == 404
    assert client.get("/support/ticket/1").status_code == 404
    assert client.post(path + "/rating", data={"score": "1"}).status_code == 400  # no CSRF token
    assert records.get("ticket", resolved.id)["rating"] is None
    assert client.get("/app/ticket").status_code == 302  # the rest still needs signing in


def test_the_contact_form_opens_a_web_ticket_and_leads_to_its_status_page(trellis_app, records):
    from trellis.testing.web import post

    client = trellis_app.test_client()
    done = post(client, "/support/contact", {"name": "Ivana Petrova", "email": "Ivana@Example.bg",
                                             "subject": "Lid broken", "message": "The lid snapped off"},
                form_page="/support/contact")
    assert done.status_code == 303 and "/support/ticket/" in done.headers["Location"]
    (ticket,) = records.query("ticket").page(size=5).rows
    assert (ticket["channel"], ticket["email"], ticket["status"]) == ("web", "ivana@example.bg", "new")
    assert records.get("contact", ticket["contact"])["first_name"] == "Ivana"
    assert "The lid snapped off" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_a_wrong_contact_form_names_each_field_and_saves_nothing(trellis_app, records):
    from trellis.testing.web import post

    client = trellis_app.test_client()
    page = post(client, "/support/contact", {"email": "not-an-address", "subject": "x" * 201, "message": ""},
                form_page="/support/contact")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'id="support-email-error">Not an email address' in text
    assert 'id="support-subject-error">At most 200 characters' in text
    assert 'id="support-message-error">Required' in text
    assert records.query("ticket").first() is None and records.query("contact").first() is None
