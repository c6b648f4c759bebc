"""What the home page's widgets share: the ``recently_viewed`` widget and KPI tiles.

A KPI tile is one number with a label and a link to the list it counts
(``/app/deal?owner=me&...``). Plugins build their tiles with the record service the
widget context gives them (acting as the viewer, so they count only what the viewer may
read) and render them with :func:`render_tiles`, which uses the shared
``home/kpi_tiles.html`` template: numbers localised, values bidi-isolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import render_template


@dataclass(frozen=True)
class Tile:
    """One KPI: ``label`` (already translated), ``value`` (a number, or text already formatted),
    ``url`` of the list it counts, and ``alert`` to mark a number that needs attention when not zero."""

    label: str
    value: int | Decimal | str
    url: str = ""
    alert: bool = False


def render_tiles(tiles: list[Tile]) -> str:
    """``tiles`` as HTML (the shared ``home/kpi_tiles.html`` template)."""
    return render_template("home/kpi_tiles.html", tiles=tiles)


def recently_viewed_widget(context) -> str:
    """The records the viewer opened last that they may still read, newest first."""
    from trellis.web.search import recently_viewed

    return render_template("home/recently_viewed.html", recent=recently_viewed(context.user.id, context.records))
