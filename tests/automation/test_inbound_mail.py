"""`trellis mail`: any plugin receives the messages addressed to it through the ``inbound_email`` hook."""

from email.message import EmailMessage

import pytest
from trellis import hookimpl


class Bounces:
    """A mailing plugin that records bounces sent to its own address and ignores the rest."""

    name = "bounces"
    version = "1.0"

    def __init__(self):
        self.seen = []

    @hookimpl
    def inbound_email(self, message):
        if "bounces@example.com" not in message.recipients:
            return None
        self.seen.append((message.sender, message.subject, message.is_automatic(), message.header("x-failed")))
        return "bounce recorded"


@pytest.fixture
def bounces():
    return Bounces()


@pytest.fixture
def trellis_config(trellis_config, bounces):
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [bounces], "MAIL_MAX_BYTES": 4096}


def _bounce(to="bounces@example.com"):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "MAILER-DAEMON@mx.example", to, "Undelivered Mail"
    message["Auto-Submitted"], message["X-Failed"] = "auto-replied", "gone@example.net"
    message.set_content("The mail system could not deliver your message.")
    return message.as_bytes()


def test_a_plugin_takes_the_mail_addressed_to_it(app, bounces):
    from trellis.automation.inbound_mail import deliver

    assert deliver(app, _bounce()) == ["bounce recorded"]
    assert bounces.seen == [("mailer-daemon@mx.example", "Undelivered Mail", True, "gone@example.net")]


def test_mail_no_plugin_takes_is_refused_for_good(app, bounces):
    from trellis.automation.inbound_mail import MailRejected, deliver

    with pytest.raises(MailRejected) as refused:
        deliver(app, _bounce(to="someone@example.com"))
    assert (refused.value.code, refused.value.permanent) == (550, True)
    assert "someone@example.com" in refused.value.reason and bounces.seen == []


def test_the_size_limit_is_a_setting(app, bounces):
    from trellis.automation.inbound_mail import MailRejected, deliver

    with pytest.raises(MailRejected, match="over the 4 KB limit"):
        deliver(app, _bounce() + b"x" * 5000)
