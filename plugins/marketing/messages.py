"""One campaign email for one recipient: sandboxed rendering, tracked links, the plain-text part, headers.

Subject and body are Jinja rendered in ``ImmutableSandboxedEnvironment`` with the
contact's fields only: a template cannot reach Python internals. Every ``href`` of
the HTML is rewritten to the click redirect with a signed per-recipient token naming
the URL (with the campaign's UTM parameters added), so the redirect only ever goes
where the message said; an open pixel and the one-click unsubscribe (RFC 8058
``List-Unsubscribe`` and ``List-Unsubscribe-Post``) are added.
"""

from __future__ import annotations

import html
import re
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from markupsafe import escape

HREF = re.compile(r'href\s*=\s*"(https?://[^"]+)"', re.IGNORECASE)
TOKEN_SALT = "trellis-marketing"  # noqa: S105 (a namespace for signatures, not a secret)
CONTACT_FIELDS = ("first_name", "last_name", "name", "email", "city", "country", "company", "job_title")


def serializer(app):
    """The signer of tracking and unsubscribe tokens (the app's secret key)."""
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(app.config["SECRET_KEY"], salt=TOKEN_SALT)


def token(app, kind: str, send_id: int, url: str | None = None) -> str:
    """A signed token for send record ``send_id``: ``o`` (open), ``u`` (unsubscribe) or ``c`` (click on ``url``)."""
    return serializer(app).dumps([kind, send_id] + ([url] if url is not None else []))


def read_token(app, kind: str, text: str) -> tuple[int, str | None] | None:
    """``(send id, url)`` of a token of ``kind``, or None when it is forged, altered or of another kind."""
    from itsdangerous import BadSignature

    try:
        value = serializer(app).loads(text)
    except BadSignature:
        return None
    if not isinstance(value, list) or len(value) not in (2, 3) or value[0] != kind or not isinstance(value[1], int):
        return None
    return value[1], (value[2] if len(value) == 3 and isinstance(value[2], str) else None)


def sandboxed(source: str, autoescape: bool):
    """``source`` compiled in Jinja's sandbox (HTML escaped when ``autoescape``); ValueError naming a syntax error."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        return ImmutableSandboxedEnvironment(autoescape=autoescape).from_string(source)
    except TemplateError as error:
        raise ValueError(f"template error: {error}") from None


def contact_values(contact) -> dict:
    """The fields a template may use (``{{ first_name }}``...), as plain text."""
    return {name: ("" if contact.get(name) is None else contact.get(name)) for name in CONTACT_FIELDS}


def with_utm(url: str, campaign: str) -> str:
    """``url`` with ``utm_source=trellis``, ``utm_medium=email`` and ``utm_campaign`` unless it has them."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in (("utm_source", "trellis"), ("utm_medium", "email"), ("utm_campaign", campaign)):
        query.setdefault(key, value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def plain_text(body: str) -> str:
    """A readable plain-text part made from HTML: links kept as ``text (url)``, tags dropped, blank lines squeezed."""
    text = re.sub(r'<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", body, flags=re.IGNORECASE | re.DOTALL)
    text = re.sub(r"<(br|/p|/div|/h[1-6]|/li|/tr)[^>]*>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", text, flags=re.IGNORECASE | re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


class Composer:
    """Builds one campaign's messages: its templates compiled once, then one message per recipient."""

    def __init__(self, app, base_url: str, sender: str, subjects: dict[str, str], body: str, campaign: str):
        self.app, self.base_url, self.sender, self.campaign = app, base_url, sender, campaign
        self.subjects = {variant: sandboxed(text, autoescape=False) for variant, text in subjects.items()}
        self.body = sandboxed(body, autoescape=True)
        self.footer = _pieces(app.jinja_env.get_template("marketing/email_footer.html"), "unsubscribe")
        self.pixel = _pieces(app.jinja_env.get_template("marketing/email_pixel.html"), "pixel")
        self.signer = serializer(app)   # one signer (and key derivation) for the campaign, not one per token
        self.links: dict[str, str] = {}   # a URL of the body -> with its UTM parameters, worked out once

    def token(self, kind: str, send_id: int, url: str | None = None) -> str:
        """:func:`token` with the campaign's signer."""
        return self.signer.dumps([kind, send_id] + ([url] if url is not None else []))

    def with_utm(self, url: str) -> str:
        """:func:`with_utm` for this campaign, once per URL."""
        found = self.links.get(url)
        if found is None:
            found = self.links[url] = with_utm(url, self.campaign)
        return found

    def message(self, send, contact) -> MIMEMultipart:
        """The message for send record ``send`` (id, email, message_key, variant) to ``contact``.

        Built with the ``email.mime`` classes (the compat32 policy): headers are stored as
        given instead of parsed, which makes a campaign's messages several times cheaper.
        """
        base_url = self.base_url
        values = contact_values(contact)
        subject = self.subjects.get(send["variant"] or "A", self.subjects["A"])
        html_body = self.body.render(**values)

        def tracked(match):
            url = self.with_utm(html.unescape(match.group(1)))
            return f'href="{html.escape(base_url + "/m/c/" + self.token("c", send.id, url))}"'

        html_body = HREF.sub(tracked, html_body)
        unsubscribe = f"{base_url}/m/u/{self.token('u', send.id)}"
        html_body += str(escape(unsubscribe)).join(self.footer)
        pixel = str(escape(f"{base_url}/m/o/{self.token('o', send.id)}.gif")).join(self.pixel)
        message = MIMEMultipart("alternative")
        message["From"] = self.sender
        message["To"] = formataddr((" ".join(str(values["name"]).split()), send["email"]), charset="utf-8")
        message["Subject"] = _header(" ".join(subject.render(**values).split()))
        message["Message-ID"] = send["message_key"]
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.attach(MIMEText(plain_text(html_body), "plain", "utf-8"))
        message.attach(MIMEText(html_body + pixel, "html", "utf-8"))
        return message


MARK = "\x00"
"""Stands for a recipient's own link while the footer and the pixel are rendered once per campaign."""


def _pieces(template, name: str) -> list[str]:
    """``template`` rendered once (its translated text the same for every recipient), split where it prints the
    value ``name``: joining the pieces with that value, escaped as autoescape does, gives its rendering."""
    return template.render(**{name: MARK}).split(MARK)


def _header(text: str):
    """``text`` as a header value: as it is when ASCII, else RFC 2047 encoded."""
    return text if text.isascii() else Header(text, "utf-8")
