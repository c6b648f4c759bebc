"""The daily digest of due and overdue activities: one email per user who has any.

Registered by the contacts plugin (which owns ``activity``) through ``scheduled_jobs()``::

    @hookimpl
    def scheduled_jobs():
        return [ScheduledJob("activity_digest", "0 7 * * *", activity_digest)]

Each active user with an email gets the open activities assigned to them that are
due by the end of today (in ``TRELLIS_TIMEZONE``), overdue ones marked. The email
uses ``emails/activity_digest.txt`` / ``.html`` from the metadata layers when an
organisation provides them (values: the user's fields and ``activities``, a list
of ``{id, subject, kind, due, overdue}``), else the built-in text below.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from trellis.automation.email import queue_message, render, template_files

DEFAULT_TEXT = """Subject: Your activities for {{ today }}

Hello {{ name or email }},

{% for a in activities %}- {{ a.subject }} ({{ a.kind }}), due {{ a.due }}{% if a.overdue %} - OVERDUE{% endif %}
{% endfor %}"""
LIMIT = 50   # activities listed per user


def activity_digest(context) -> int:
    """Queue one digest email per user with due or overdue open activities; returns how many were queued."""
    records = context.records
    app = records.app
    zone = ZoneInfo(str(app.config.get("TIMEZONE") or "UTC"))
    today = context.now.astimezone(zone).date()
    start = datetime.combine(today, time(0, 0), tzinfo=zone)
    end = start + timedelta(days=1)
    sent = 0
    for user in records.query("user").filter(active=True).order_by("id").iterate():
        if not user.get("email"):
            continue
        due = (records.query("activity").filter(assigned=user.id, done=False, due__lt=end)
               .order_by("due").page(size=LIMIT, count=False).rows)
        if not due:
            continue
        items = [{"id": a.id, "subject": a["subject"], "kind": a.get("kind"), "overdue": a["due"] < start,
                  "due": a["due"].astimezone(zone).strftime("%Y-%m-%d %H:%M")} for a in due]
        values = {**user.to_dict(), "activities": items, "today": today.isoformat()}
        queue_message(app, "user", user.id, [user["email"]], _compose(app, values), "activity_digest")
        sent += 1
    return sent


def _compose(app, values: dict) -> dict:
    text_file, html_file = template_files(app, "activity_digest")
    source = text_file.read_text(encoding="utf-8") if text_file else DEFAULT_TEXT
    first, _, body = source.partition("\n")
    subject = first.split(":", 1)[1].strip() if first.lower().startswith("subject:") else "Your activities"
    html = html_file.read_text(encoding="utf-8") if html_file else None
    return {"subject": render(subject, values).strip(), "text": render(body.lstrip("\n"), values),
            "html": render(html, values, html=True) if html else None}
