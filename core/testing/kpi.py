"""Reading the KPI tiles of a page in tests (``trellis.web.home_widgets``)."""

from __future__ import annotations

import re

TILE = re.compile(r'<span class="kpi-value"><bdi>([^<]*)</bdi></span>\s*<span class="kpi-label">([^<]*)</span>')


def kpi_tiles(page: str) -> dict[str, str]:
    """``{label: value}`` of every KPI tile on ``page`` (HTML), values as shown."""
    return {label: value for value, label in TILE.findall(page)}
