"""The ``my_activities`` widget of the ``home`` dashboard (``dashboard_widgets`` hook)."""

from __future__ import annotations

from datetime import datetime, time, timedelta


def my_activities(context) -> str:
    """The viewer's open activities that are overdue or due today."""
    from flask import render_template
    from trellis.web.labels import user_timezone

    activity = context.records.metadata.entities.get("activity")
    overdue, today = [], []
    if activity is not None and {"due", "done", "assigned"} <= set(activity.fields):
        zone = user_timezone()
        start = datetime.combine(context.now.astimezone(zone).date(), time(), tzinfo=zone)
        end = start + timedelta(days=1)
        rows = (context.records.query("activity").filter(assigned=context.user.id, done=False, due__lt=end)
                .order_by("due").page(size=100, count=False).rows)
        for row in rows:
            (overdue if row["due"] < start else today).append(row)
    return render_template("contacts/my_activities.html", activity=activity, overdue=overdue, today=today)
