"""Attachments of support email: stored in the database with the message, downloaded only by the ticket's readers."""

import base64
import hashlib
from email.message import EmailMessage

import pytest

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40
PAGE = b"<html><script>alert(1)</script></html>"


def _email(*files):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ivana@example.bg", "support@example.com", "Invoice wrong"
    message.set_content("See the files")
    for data, kind, name in files:
        main, sub = kind.split("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return message.as_bytes()


def _rows(records, entity):
    return records.query(entity).order_by("id").page(size=50, count=False).rows


def test_two_attachments_are_stored_with_the_message_and_only_the_tickets_readers_download_them(
        trellis_app, records, client_as):
    from trellis.automation.inbound_mail import deliver

    assert deliver(trellis_app, _email((PDF, "application/pdf", "../../etc/счёт.pdf"),
                                       (PAGE, "text/html", "page.html"))) == ["opened ticket #1"]
    first, second = _rows(records, "ticket_attachment")
    (message,) = _rows(records, "ticket_message")
    assert (first["filename"], first["size"]) == ("счёт.pdf", len(PDF))
    assert first["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert second["sha256"] == hashlib.sha256(PAGE).hexdigest() and second["message"] == message.id
    assert [item["id"] for item in message["attachments"]] == [first.id, second.id]

    agent = client_as("support_agent")
    page = agent.get("/app/ticket/1").get_data(as_text=True)
    assert f'href="/service/attachments/{first.id}"' in page and "счёт.pdf" in page and "10.0 KB" in page
    answer = agent.get(f"/service/attachments/{first.id}")
    assert answer.status_code == 200 and answer.data == PDF
    assert hashlib.sha256(answer.data).hexdigest() == first["sha256"]
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    encoded = base64.b64encode(PDF).decode()[:60]
    assert encoded not in agent.get(f"/app/ticket_attachment/{first.id}").get_data(as_text=True)  # not on pages
    html = agent.get(f"/service/attachments/{second.id}")
    assert html.data == PAGE and html.mimetype == "application/octet-stream"
    assert html.headers["Content-Disposition"].startswith('attachment; filename="page.html"')

    outsider = client_as("contacts_user")
    assert outsider.get(f"/service/attachments/{first.id}").status_code == 404
    assert "/service/attachments/" not in outsider.get("/app/ticket/1").get_data(as_text=True)
    assert client_as("support_agent").get("/service/attachments/999").status_code == 404


def test_an_attachment_over_the_limit_refuses_the_whole_message_and_stores_nothing(trellis_app, records, monkeypatch):
    from trellis.automation.inbound_mail import MailRejected, deliver

    monkeypatch.setitem(trellis_app.config, "MAIL_MAX_ATTACHMENT_BYTES", 4096)
    with pytest.raises(MailRejected) as refused:
        deliver(trellis_app, _email((PAGE, "text/html", "small.html"), (PDF, "application/pdf", "big.pdf")))
    assert refused.value.code == 552 and "big.pdf" in refused.value.reason
    assert [_rows(records, entity) for entity in ("ticket", "ticket_message", "ticket_attachment")] == [[], [], []]


def test_a_failure_while_storing_an_attachment_leaves_nothing_of_the_message(trellis_app, records, monkeypatch):
    from trellis import ValidationError
    from trellis.automation.inbound_mail import deliver
    from trellis_plugins.service import attachments

    real = attachments.safe_filename
    monkeypatch.setattr(attachments, "safe_filename", lambda name: "x" * 500 if name == "b.pdf" else real(name))
    with pytest.raises(ValidationError, match="filename"):
        deliver(trellis_app, _email((PDF, "application/pdf", "a.pdf"), (PDF, "application/pdf", "b.pdf")))
    assert [_rows(records, entity) for entity in ("ticket", "ticket_message", "ticket_attachment")] == [[], [], []]
