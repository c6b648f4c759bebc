"""The ``my_overdue_tasks`` widget of the ``home`` dashboard (``dashboard_widgets`` hook): a KPI tile of the
viewer's unfinished tasks past their due date, counted with the record service acting as the viewer."""

from __future__ import annotations

DONE_STAGE = "done"


def my_overdue_tasks(context) -> str:
    """How many of the viewer's unfinished tasks are past their due date (in the viewer's time zone)."""
    from flask_babel import gettext as _
    from trellis.web.home_widgets import Tile, render_tiles
    from trellis.web.labels import user_timezone

    records = context.records
    task = records.metadata.entities["task"]
    unfinished = sorted(set(task.fields["stage"].options) - {DONE_STAGE})
    today = context.now.astimezone(user_timezone()).date()
    overdue = records.query("task").filter(assignee=context.user.id, stage__in=unfinished, due_date__lt=today)
    url = f"/app/task?assignee=me&stage__in={','.join(unfinished)}&due_date__lt={today.isoformat()}"
    return render_tiles([Tile(_("My overdue tasks"), overdue.count()[0], url, alert=True)])
