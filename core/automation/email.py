"""Email from automations: templates, sandboxed rendering, the outbox job, SMTP, the email log.

Templates. ``- email: {to: "email", template: birthday}`` looks for
``emails/birthday.txt`` (plain text, required) and ``emails/birthday.html`` (optional
HTML part) in the metadata layers, the organisation's first, then the plugins'
(later layers win, as for YAML). The text template's first line may be
``Subject: ...``; otherwise the action's ``subject:`` is used. Without a template,
``subject:`` and ``body:`` are the templates. Templates are Jinja, rendered in
``ImmutableSandboxedEnvironment`` with the record's values only (``{{ first_name }}``);
HTML output is auto-escaped.

Sending. Rendering happens when the automation runs (inside the record's
transaction); the message is queued in the outbox and sent after the commit through
``TRELLIS_SMTP_URL`` (``smtp://user:password@host:port``; ``smtps://`` for TLS from
the start, ``smtp+starttls://`` to upgrade; ``?from=crm@example.com`` sets the
sender). A failed send is retried with back-off, then marked ``failed`` in
``trellis_email_log``.
"""

from __future__ import annotations

from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import insert, select, update
from trellis.automation.tables import utcnow

EMAIL_JOB = "email"
DEFAULT_SENDER = "trellis@localhost"


def template_files(app, name: str) -> tuple[Path | None, Path | None]:
    """The ``(text, html)`` files of template ``name``, from the last layer that has them."""
    from trellis.runtime import runtime

    metadata = runtime(app).metadata
    for layer in reversed(list(getattr(metadata, "layers", []) or [])):
        folder = Path(layer.path) / "emails"
        text = folder / f"{name}.txt"
        if text.is_file():
            html = folder / f"{name}.html"
            return text, html if html.is_file() else None
    return None, None


def render(source: str, values: dict[str, Any], html: bool = False) -> str:
    """Render Jinja ``source`` with ``values`` in a sandbox (HTML auto-escaped when ``html``)."""
    return _compiled(source, html).render(**values)


@lru_cache(maxsize=256)
def _compiled(source: str, html: bool):
    """``source`` compiled once: the same subject and body render for every record (an auto-reply per email)."""
    # Imported here, like smtplib in smtp_send: only a process that sends email needs them.
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    environment = ImmutableSandboxedEnvironment(autoescape=html, keep_trailing_newline=True)
    return environment.from_string(source)


def compose(app, record, options: dict) -> dict[str, str | None]:
    """``{"subject", "text", "html"}`` for ``record`` from the action's ``template``/``subject``/``body``."""
    values = record.to_dict()
    subject_source = options.get("subject")
    html_source = None
    if options.get("template"):
        text_file, html_file = template_files(app, str(options["template"]))
        if text_file is None:
            raise LookupError(f"no email template '{options['template']}' (looked for emails/"
                              f"{options['template']}.txt in every metadata layer)")
        text_source = text_file.read_text(encoding="utf-8")
        first, _, rest = text_source.partition("\n")
        if first.lower().startswith("subject:"):
            subject_source = subject_source or first.split(":", 1)[1].strip()
            text_source = rest.lstrip("\n")
        html_source = html_file.read_text(encoding="utf-8") if html_file else None
    else:
        text_source = str(options.get("body") or "")
    if not subject_source:
        raise ValueError("an email needs a subject: a 'Subject:' line in the template or 'subject:' in the action")
    return {"subject": render(str(subject_source), values).strip(),
            "text": render(text_source, values),
            "html": render(html_source, values, html=True) if html_source else None}


def recipients(value: Any) -> list[str]:
    """``to``/``cc`` as a list of addresses (a list, or text separated by commas)."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def queue_email(app, record, to: Any, options: dict, owner: str) -> int:
    """Render the email for ``record`` now and queue it; returns the email log id."""
    addresses = recipients(to)
    if not addresses:
        raise ValueError("the email has no recipient ('to' gave nothing)")
    return queue_message(app, record.entity, record.id, addresses, compose(app, record, options), owner,
                         cc=recipients(options.get("cc")))


def queue_message(app, entity: str | None, record_id: int | None, to: list[str], message: dict, owner: str,
                  cc: list[str] | None = None) -> int:
    """Queue a rendered ``message`` (``subject``, ``text``, ``html``) about a record; log it; returns the log id.

    Inside a write (an automation, a scheduled job) the log row and the job join its transaction.
    """
    from trellis.automation.jobs import enqueue
    from trellis.automation.state import automation_state
    from trellis.data.database import db

    log_table = automation_state(app).tables.email_log
    connection = db.session.connection()
    log_id = connection.execute(insert(log_table).values(
        entity=entity, record_id=record_id, automation=owner, recipient=", ".join(to),
        subject=message["subject"], status="queued", at=utcnow())).inserted_primary_key[0]
    job_id = enqueue(app, EMAIL_JOB, {"log_id": log_id, "to": list(to), "cc": list(cc or []), **message})
    connection.execute(update(log_table).where(log_table.c.id == log_id).values(job_id=job_id))
    return log_id


def build_message(sender: str, payload: dict) -> EmailMessage:
    """The MIME message: a plain-text part, and an HTML alternative when there is one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(payload["to"])
    if payload.get("cc"):
        message["Cc"] = ", ".join(payload["cc"])
    message["Subject"] = payload["subject"]
    message.set_content(payload["text"])
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    return message


def smtp_send(url: str, message: EmailMessage, timeout: float = 30) -> None:
    """Send ``message`` through the server of ``url`` (``smtp://``, ``smtps://``, ``smtp+starttls://``)."""
    with smtp_connect(url, timeout) as client:
        client.send_message(message)


def smtp_connect(url: str, timeout: float = 30):
    """An ``smtplib.SMTP`` client connected (TLS and login as ``url`` says) to the server of ``url``."""
    import smtplib

    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps", "smtp+starttls"):
        raise ValueError(f"TRELLIS_SMTP_URL must start with smtp://, smtps:// or smtp+starttls://, not {parts.scheme}")
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout)
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
    try:
        if parts.scheme == "smtp+starttls":
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
    except BaseException:
        client.close()
        raise
    return client


def sender(url: str | None) -> str:
    """The From address: ``?from=`` of the SMTP URL, else ``trellis@localhost``."""
    if not url:
        return DEFAULT_SENDER
    return parse_qs(urlsplit(url).query).get("from", [DEFAULT_SENDER])[0]


def send_job(app, payload: dict) -> None:
    """The outbox job: send one rendered email, then mark its log row ``sent``."""
    url = app.config.get("SMTP_URL")
    if not url:
        raise RuntimeError("TRELLIS_SMTP_URL is not set: cannot send email")
    smtp_send(url, build_message(sender(url), payload))
    _log(app, payload.get("log_id"), status="sent", error=None)


def send_failed(app, payload: dict, error: str) -> None:
    """After the last attempt: mark the email ``failed`` with the error."""
    _log(app, payload.get("log_id"), status="failed", error=error)


def _log(app, log_id: int | None, **values: Any) -> None:
    from trellis.automation.state import automation_state
    from trellis.data.database import db

    if log_id is None:
        return
    table = automation_state(app).tables.email_log
    with db.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == log_id).values(at=utcnow(), **values))


def emails_for(app, entity: str, record_id: int) -> list[dict]:
    """The emails sent (or tried) about one record, newest first, for its timeline."""
    from trellis.automation.state import automation_state
    from trellis.data.database import db

    table = automation_state(app).tables.email_log
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.entity == entity, table.c.record_id == record_id)
                                  .order_by(table.c.id.desc())).all()
    return [dict(row._mapping) for row in rows]
