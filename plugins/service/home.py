"""The ``my_tickets`` widget of the ``home`` dashboard (``dashboard_widgets`` hook): KPI tiles of the
viewer's open tickets and those whose SLA is breached, counted with the record service acting as the viewer."""

from __future__ import annotations

from trellis_plugins.service.sla import DONE


def my_tickets(context) -> str:
    """The viewer's open tickets and how many of them have breached their SLA."""
    from flask_babel import gettext as _
    from trellis.web.home_widgets import Tile, render_tiles

    records = context.records
    ticket = records.metadata.entities["ticket"]
    open_states = sorted(set(ticket.fields["status"].options) - set(DONE))
    mine = records.query("ticket").filter(owner=context.user.id, status__in=open_states)
    url = f"/app/ticket?owner=me&status__in={','.join(open_states)}"
    return render_tiles([
        Tile(_("My open tickets"), mine.count()[0], url),
        Tile(_("Breaching SLA"), mine.filter(sla_state="breached").count()[0], f"{url}&sla_state=breached",
             alert=True),
    ])
