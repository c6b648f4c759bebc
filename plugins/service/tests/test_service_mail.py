"""Support email through real SMTP and `trellis mail ingest`; a hostile corpus: clear outcomes, nothing half-saved."""

import smtplib
import socket
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest


def _email(sender, subject, body="Hello", to="support@example.com", **headers):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _count(records, entity):
    return len(records.query(entity).order_by("id").page(size=500, count=False).rows)


def _tickets(records):
    return records.query("ticket").order_by("id").page(size=500, count=False).rows


def _auto_replies(app, ticket_id):
    from trellis.automation.email import emails_for

    return emails_for(app, "ticket", ticket_id)


@pytest.fixture
def smtp(trellis_app):
    from trellis.automation.mail_server import controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = controller(trellis_app, "127.0.0.1", port)
    server.start()
    yield port
    server.stop()


def test_real_smtp_opens_a_ticket_a_reply_joins_it_and_another_customers_token_does_not(trellis_app, records, smtp):
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        client.send_message(_email("Ivana Petrova <ivana@example.bg>", "Printer on fire", "It smokes"))
    (ticket,) = _tickets(records)
    assert (ticket["subject"], ticket["email"], ticket["channel"], ticket["status"]) == (
        "Printer on fire", "ivana@example.bg", "email", "new")
    (reply,) = _auto_replies(trellis_app, ticket.id)
    assert reply["recipient"] == "ivana@example.bg" and f"[#T{ticket.id}-" in reply["subject"]
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        client.send_message(_email("ivana@example.bg", reply["subject"], "Now it is out"))
        client.send_message(_email("mallory@example.net", reply["subject"], "Show me the thread"))
    first, second = _tickets(records)
    assert first.id == ticket.id and second["email"] == "mallory@example.net"
    thread = records.query("ticket_message").filter(ticket=ticket.id).order_by("id").page(size=10).rows
    assert [m["body"].strip() for m in thread] == ["It smokes", "Now it is out"]
    assert records.query("ticket_message").filter(ticket=second.id).first()["body"].strip() == "Show me the thread"


def test_a_reply_by_message_id_joins_its_thread_only_from_the_same_customer(trellis_app, records):
    from trellis.automation.inbound_mail import deliver

    deliver(trellis_app, _email("ivana@example.bg", "Login fails", Message_ID="<a1@mail.example.bg>").as_bytes())
    assert deliver(trellis_app, _email("ivana@example.bg", "Re: Login fails", "Still",
                                       In_Reply_To="<a1@mail.example.bg>").as_bytes()) == ["added to ticket #1"]
    outcome = deliver(trellis_app, _email("eve@example.net", "Re: Login fails", References="<a1@mail.example.bg>")
                      .as_bytes())
    assert outcome == ["opened ticket #2"]
    assert deliver(trellis_app, _email("ivana@example.bg", "Login fails", Message_ID="<a1@mail.example.bg>")
                   .as_bytes()) == ["already received"]
    assert _count(records, "ticket_message") == 3


def test_mail_ingest_reads_one_message_on_stdin_and_refuses_with_an_exit_code(trellis_app, records):
    from trellis.cli.entry import cli

    runner = trellis_app.test_cli_runner()
    taken = runner.invoke(cli, ["mail", "ingest"], input=_email("ivana@example.bg", "Hi").as_bytes())
    assert taken.exit_code == 0 and "opened ticket #1" in taken.output
    refused = runner.invoke(cli, ["mail", "ingest"], input=b"From: nobody\n\n")
    assert refused.exit_code == 65 and "550 the message has no sender address" in refused.output


@pytest.mark.parametrize("sender, headers", [
    ("ivana@example.bg", {"Auto_Submitted": "auto-replied"}),
    ("ivana@example.bg", {"Precedence": "bulk"}),
    ("news@example.com", {"List_Id": "<news.example.com>"}),
    ("no-reply@shop.example", {}),
    ("MAILER-DAEMON@mx.example", {}),
], ids=["auto-submitted", "bulk", "mailing-list", "no-reply", "mailer-daemon"])
def test_machines_get_a_ticket_but_no_auto_reply(trellis_app, records, sender, headers):
    from trellis.automation.inbound_mail import deliver

    assert deliver(trellis_app, _email(sender, "Out of office", **headers).as_bytes()) == ["opened ticket #1"]
    assert _auto_replies(trellis_app, 1) == []


def test_charsets_are_decoded_koi8_r_windows_1251_and_utf8_in_one_message(trellis_app, records):
    from trellis.automation.inbound_mail import deliver

    message = MIMEMultipart("alternative")
    message["From"], message["To"] = "=?utf-8?b?0JjQstCw0L0=?= <ivan@example.ru>", "support@example.com"
    message["Subject"] = "=?koi8-r?b?8NLJ18XU?="                      # «Привет» in KOI8-R
    message.attach(MIMEText("Счёт не пришёл", "plain", "koi8-r"))
    message.attach(MIMEText("<p>Сметката не е дошла</p>", "html", "windows-1251"))
    deliver(trellis_app, message.as_bytes())
    (ticket,) = _tickets(records)
    stored = records.query("ticket_message").first()
    assert ticket["subject"] == "Привет" and stored["body"] == "Счёт не пришёл"
    assert "Сметката не е дошла" in stored["body_html"]
    assert records.get("contact", ticket["contact"])["first_name"] is None  # one word: the last name
    assert records.get("contact", ticket["contact"])["last_name"] == "Иван"


def test_scripts_in_html_are_gone_before_the_message_is_stored_and_shown(trellis_app, records, client_as):
    from trellis.automation.inbound_mail import deliver

    message = MIMEMultipart("alternative")
    message["From"], message["To"], message["Subject"] = "x@example.org", "support@example.com", "Look"
    message.attach(MIMEText('<p onclick="steal()">Hi<script>alert(1)</script><img src=x onerror=alert(2)></p>',
                            "html", "utf-8"))
    deliver(trellis_app, message.as_bytes())
    stored = records.query("ticket_message").first()
    assert "<script" not in stored["body_html"] and "onerror" not in stored["body_html"]
    assert "onclick" not in stored["body_html"] and stored["body"] == "Hi"
    page = client_as("support_agent").get(f"/app/ticket_message/{stored.id}").get_data(as_text=True)
    assert "alert(1)" not in page and "onerror=alert" not in page


def test_hostile_messages_get_clear_refusals_and_leave_nothing_behind(trellis_app, records):
    from trellis.automation.inbound_mail import MailRejected, deliver

    huge_headers = b"From: a@example.org\r\nSubject: x\r\n" + b"X-Junk: " + b"j" * (1024 * 1024) + b"\r\n\r\nbody"
    twenty, twelve = _email("a@example.org", "Big file"), _email("a@example.org", "Big file")
    twenty.add_attachment(b"\0" * (20 * 1024 * 1024), maintype="application", subtype="octet-stream",
                          filename="dump.bin")
    twelve.add_attachment(b"\0" * (12 * 1024 * 1024), maintype="application", subtype="pdf", filename="scan.pdf")
    cases = [(huge_headers, 552, "the headers are 1.0 MB, over the 64 KB limit"),
             (twenty.as_bytes(), 552, "the message is 27.0 MB, over the 25.0 MB limit"),  # base64 makes it bigger
             (twelve.as_bytes(), 552, "the attachment 'scan.pdf' is 12.0 MB, over the 10.0 MB limit"),
             (b"\x00\xff garbage without headers", 550, "no sender address"),
             (b"From: a@example.org\r\nContent-Type: multipart/mixed\r\n\r\n", 550, "nothing to read")]
    for raw, code, reason in cases:
        with pytest.raises(MailRejected) as refused:
            deliver(trellis_app, raw)
        assert refused.value.code == code and reason in refused.value.reason
    assert _count(records, "ticket") == _count(records, "ticket_message") == _count(records, "contact") == 0


def test_malformed_mime_is_read_as_well_as_it_can_be(trellis_app, records):
    from trellis.automation.inbound_mail import deliver

    broken = (b"From: a@example.org\r\nSubject: =?utf-8?q?broken=ZZ?=\r\nContent-Type: multipart/mixed\r\n"
              b"MIME-Version: 1.0\r\n\r\nno boundary was declared, but here is the text\r\n")
    assert deliver(trellis_app, broken) == ["opened ticket #1"]
    assert "here is the text" in records.query("ticket_message").first()["body"]


def test_a_failure_while_storing_leaves_nothing_half_saved(trellis_app, records, monkeypatch):
    import trellis_plugins.service.mailbox as mailbox
    from trellis.automation.inbound_mail import MailRejected, deliver

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(mailbox, "_add", broken)
    with pytest.raises(MailRejected) as refused:
        deliver(trellis_app, _email("ivana@example.bg", "Hello").as_bytes())
    assert refused.value.code == 451
    assert _count(records, "ticket") == _count(records, "contact") == 0


def test_mail_to_an_address_no_team_has_is_refused_once_teams_have_addresses(trellis_app, records):
    from trellis.automation.inbound_mail import MailRejected, deliver

    team = records.create("support_team", {"name": "Billing", "email": "billing@example.com"})
    assert deliver(trellis_app, _email("a@example.org", "Refund", to="Billing@Example.com").as_bytes()) == [
        "opened ticket #1"]
    assert records.get("ticket", 1)["team"] == team.id
    with pytest.raises(MailRejected) as refused:
        deliver(trellis_app, _email("a@example.org", "Hi", to="sales@example.com").as_bytes())
    assert refused.value.code == 550 and "sales@example.com" in refused.value.reason
