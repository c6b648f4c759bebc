"""The ``hr_approvals`` widget of the ``home`` dashboard (``dashboard_widgets`` hook): how many submitted
time-off requests wait for the viewer's decision (as an approver of the current level, or standing in for one)."""

from __future__ import annotations

WAITING = "submitted"
MAX_READ = 200   # requests looked at; past that the tile shows its count with a "+"


def hr_approvals(context) -> str:
    """The submitted time-off requests the viewer may read and may approve or reject now."""
    from flask_babel import gettext as _
    from trellis.runtime import runtime
    from trellis.web.home_widgets import Tile, render_tiles

    approvals = runtime().approvals
    page = context.records.query("time_off_request").filter(status=WAITING).order_by("id").page(size=MAX_READ + 1,
                                                                                                 count=False)
    waiting = sum(1 for request in page.rows[:MAX_READ]
                  if any(approvals.may_decide(state, request, context.user.id) for state in approvals.states(request)))
    value = f"{waiting}+" if len(page.rows) > MAX_READ else waiting
    return render_tiles([Tile(_("Approvals waiting for me"), value, f"/app/time_off_request?status={WAITING}",
                              alert=True)])
