"""A template's preview: rendered in the sandbox with a sample contact, for those who may read the template."""

from html import unescape


def test_the_preview_renders_the_template_for_a_contact_in_the_sandbox(records, client_as):
    records.create("contact", {"first_name": "Zed", "last_name": "First"})
    ann = records.create("contact", {"first_name": "<b>Ann</b>", "last_name": "Lee", "email": "ann@example.com"})
    template = records.create("email_template", {"name": "Spring", "subject": "{{ first_name }}, spring is here",
                                                 "body": '<p>Hello {{ first_name }}</p><a href="https://x.example">Go'
                                                         "</a>"})
    client = client_as("marketing_user")
    page = client.get(f"/marketing/templates/{template.id}/preview?contact={ann.id}")
    assert page.status_code == 200
    assert '<bdi data-name="subject">&lt;b&gt;Ann&lt;/b&gt;, spring is here</bdi>' in page.text
    frame = page.text.split('srcdoc="', 1)[1].split('"', 1)[0]
    assert unescape(frame) == '<p>Hello &lt;b&gt;Ann&lt;/b&gt;</p><a href="https://x.example">Go</a>'
    assert "<iframe" in page.text and " sandbox " in page.text
    assert "Hello <b>Ann</b>" in unescape(page.text.split('data-name="text"', 1)[1])
    first = client.get(f"/marketing/templates/{template.id}/preview")
    assert 'data-name="subject">Zed, spring is here' in first.text
    assert f"/marketing/templates/{template.id}/preview" in client.get(f"/app/email_template/{template.id}").text


def test_the_sandbox_refusal_is_shown_not_run(records, client_as):
    template = records.create("email_template", {"name": "Sly", "subject": "Hi",
                                                 "body": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    page = client_as("marketing_user").get(f"/marketing/templates/{template.id}/preview")
    assert page.status_code == 200
    shown = page.text.split('data-field="body">', 1)[1].split("</p>", 1)[0]
    assert "unsafe" in shown and "&lt;class" not in page.text and "<class" not in page.text


def test_the_preview_is_refused_to_whom_may_not_read_the_template_or_the_contact(records, client_as):
    template = records.create("email_template", {"name": "Spring", "subject": "Hi", "body": "<p>Hi</p>"})
    assert client_as("salesperson").get(f"/marketing/templates/{template.id}/preview").status_code == 404
    client = client_as("marketing_user")
    assert client.get(f"/marketing/templates/{template.id}/preview?contact=99999").status_code == 404
    assert client.get(f"/marketing/templates/{template.id}/preview?contact=1e9").status_code == 404
    assert client.get(f"/marketing/templates/{template.id}/preview?contact=99999999999999").status_code == 404
