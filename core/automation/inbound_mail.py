"""Inbound email: one raw message checked against limits, decoded, and handed to the plugins.

``trellis mail ingest`` (one message on stdin, for an MTA's pipe) and ``trellis mail
serve`` (an SMTP receiver, :mod:`trellis.automation.mail_server`) both call
:func:`deliver`. It refuses what is too big or unreadable with an SMTP-style code and a
sentence (:class:`MailRejected`), decodes the rest into an :class:`InboundEmail`
(headers, text and HTML in their declared charsets, attachments) and calls every
plugin's ``inbound_email(message)`` hook: each takes the messages addressed to it (a
service desk its support addresses, a mailing tool its bounce address) and answers
what it did. A message no plugin takes is refused.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import email.utils
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

log = logging.getLogger(__name__)

MAX_PARTS = 100
MAX_REFERENCES = 50
NO_REPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|notifications?)"
                      r"([-+_.].*)?$", re.I)
BULK = ("bulk", "junk", "list", "auto_reply")


class MailRejected(Exception):
    """A message refused: ``code`` (5xx for good, 4xx to try again later) and ``reason``, a sentence."""

    def __init__(self, code: int, reason: str):
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason

    @property
    def permanent(self) -> bool:
        """True when sending it again will not help (a 5xx code)."""
        return self.code >= 500


@dataclass(frozen=True)
class Limits:
    """How big a message, its header block and each attachment may be, in bytes."""

    message: int = 25 * 1024 * 1024
    headers: int = 64 * 1024
    attachment: int = 10 * 1024 * 1024

    @classmethod
    def of(cls, app) -> Limits:
        """The limits ``app``'s settings give (``MAIL_MAX_BYTES``, ``MAIL_MAX_HEADER_BYTES``...)."""
        return cls(int(app.config.get("MAIL_MAX_BYTES") or cls.message),
                   int(app.config.get("MAIL_MAX_HEADER_BYTES") or cls.headers),
                   int(app.config.get("MAIL_MAX_ATTACHMENT_BYTES") or cls.attachment))


@dataclass(frozen=True)
class Attachment:
    """A file that came with a message."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return len(self.data)


@dataclass(frozen=True)
class InboundEmail:
    """A received message, decoded: what the ``inbound_email(message)`` hook receives.

    ``sender`` is the From address in lower case (``sender_name`` its display name);
    ``recipients`` the envelope's and the To/Cc addresses, lower case; ``text`` the
    plain-text body and ``html`` the HTML one as sent (unsanitised: store it in an
    ``html`` field, which cleans it, or show it through the sanitiser), each decoded from
    its declared charset; ``references`` the Message-IDs of In-Reply-To and References;
    ``header(name)`` any other header as text.
    """

    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str | None
    references: tuple[str, ...]
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    raw_headers: dict[str, str] = field(repr=False)

    def header(self, name: str) -> str | None:
        """The header ``name`` (any case) as text, or None."""
        return self.raw_headers.get(name.lower())

    def is_automatic(self) -> bool:
        """Whether the message was sent by a machine, so no automatic reply may answer it.

        True for ``Auto-Submitted`` other than ``no``, ``Precedence: bulk/junk/list``,
        mailing-list headers, an empty return path, and no-reply or mailer-daemon senders.
        """
        auto = (self.header("auto-submitted") or "no").strip().lower()
        precedence = (self.header("precedence") or "").strip().lower()
        listed = self.header("list-id") or self.header("list-unsubscribe")
        local = self.sender.partition("@")[0]
        return (auto != "no" or precedence in BULK or bool(listed) or self.header("return-path") == "<>"
                or bool(self.header("x-autoreply")) or bool(NO_REPLY.match(local)))


def parse(raw: bytes, limits: Limits = Limits(), envelope_to: tuple[str, ...] = ()) -> InboundEmail:
    """``raw`` as an :class:`InboundEmail`; :class:`MailRejected` when over a limit or unreadable."""
    if len(raw) > limits.message:
        raise MailRejected(552, f"the message is {_size(len(raw))}, over the {_size(limits.message)} limit")
    head = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    if head > limits.headers:
        raise MailRejected(552, f"the headers are {_size(head)}, over the {_size(limits.headers)} limit")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {}
    for name in {key.lower() for key in message.keys()}:
        headers[name] = _header(message, name)
    name, sender = email.utils.parseaddr(headers.get("from") or "")
    if "@" not in sender:
        raise MailRejected(550, "the message has no sender address (From)")
    text, html, attachments = _body(message, limits)
    subject = " ".join((headers.get("subject") or "").split())[:500]
    if not (text.strip() or html.strip() or subject or attachments):
        raise MailRejected(550, "the message has nothing to read (no subject, text or attachment)")
    recipients = [address for _, address in email.utils.getaddresses(
        [headers.get("to") or "", headers.get("cc") or ""]) if "@" in address]
    threads = f"{headers.get('in-reply-to') or ''} {headers.get('references') or ''}"
    references = re.findall(r"<[^<>\s]{1,900}>", threads)
    return InboundEmail(sender.lower(), name, tuple(dict.fromkeys(a.lower() for a in (*envelope_to, *recipients))),
                        subject, (re.findall(r"<[^<>\s]{1,900}>", headers.get("message-id") or "") or [None])[0],
                        tuple(dict.fromkeys(references))[-MAX_REFERENCES:], text, html, tuple(attachments), headers)


def deliver(app, raw: bytes, envelope_to: tuple[str, ...] = ()) -> list[str]:
    """Hand ``raw`` to every plugin's ``inbound_email``; what they did, or :class:`MailRejected`.

    A plugin stores what it takes in its own transaction, so a failure leaves nothing of
    the message behind; it is then refused with a 451 (the sender's server tries again).
    """
    from trellis.plugins import PluginError
    from trellis.runtime import runtime

    message = parse(raw, Limits.of(app), tuple(envelope_to))
    with app.app_context():
        try:
            outcomes = runtime(app).plugins.call("inbound_email", message=message)
        except PluginError:
            log.exception("inbound email from %s could not be stored", message.sender)
            raise MailRejected(451, "the message could not be stored; try again later") from None
    if not outcomes:
        raise MailRejected(550, f"no mailbox here for {', '.join(message.recipients) or 'this message'}")
    return [str(outcome) for outcome in outcomes]


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
        return str(value) if value is not None else ""
    except Exception:  # noqa: BLE001 - a header the parser cannot make sense of is kept as its raw text
        raw = next((value for key, value in message.raw_items() if key.lower() == name), "")
        return str(raw).encode("ascii", "replace").decode("ascii")


def _body(message: EmailMessage, limits: Limits) -> tuple[str, str, list[Attachment]]:
    text, html, attachments = [], [], []
    for count, part in enumerate(message.walk()):
        if count > MAX_PARTS:
            raise MailRejected(552, f"the message has more than {MAX_PARTS} parts")
        if part.get_content_type() == "message/delivery-status":   # a bounce's report (RFC 3464): its fields,
            attachments.append(_delivery_status(part))                # which are header blocks, kept as text
            continue
        if part.is_multipart():
            continue
        filename = part.get_filename()
        kind = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        if kind.startswith("multipart/"):  # a multipart without a usable boundary: its body is all there is
            text.append(_decoded(part))
        elif filename or disposition == "attachment" or not kind.startswith("text/"):
            data = part.get_payload(decode=True) or b""
            if len(data) > limits.attachment:
                raise MailRejected(552, f"the attachment '{filename or kind}' is {_size(len(data))}, "
                                        f"over the {_size(limits.attachment)} limit")
            attachments.append(Attachment(str(filename or "attachment"), kind, data))
        elif kind == "text/html":
            html.append(_decoded(part))
        else:
            text.append(_decoded(part))
    return "\n\n".join(text).strip(), "\n".join(html).strip(), attachments


def _delivery_status(part) -> Attachment:
    """A ``message/delivery-status`` part as an attachment of that type: its field blocks, a blank line apart."""
    blocks = part.get_payload()
    if isinstance(blocks, list):
        data = b"\n".join(block.as_bytes() for block in blocks)
    else:
        data = part.get_payload(decode=True) or b""
    return Attachment("delivery-status.txt", "message/delivery-status", data)


def _decoded(part) -> str:
    """The part's text in its declared charset (windows-1251, koi8-r, UTF-8...), unknown ones as UTF-8."""
    data = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return data.decode(charset, errors="replace")


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"
