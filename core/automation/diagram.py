"""A workflow as an SVG diagram: states as boxes, transitions as labelled arrows (``trellis workflow draw``).

The layout is plain and deterministic: states in columns by their distance from
the first state (following transitions), in the order the YAML lists them;
transitions allowed from any state (``from: "*"``) start at an "any state" box.
No JavaScript, no external fonts: the UI embeds the SVG as is.
"""

from __future__ import annotations

from html import escape

from trellis.metadata.model import Workflow

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 150, 46, 90, 40, 30
ANY = "*"


def columns(workflow: Workflow) -> list[list[str]]:
    """States grouped by distance from the first state; unreachable ones last."""
    states = list(workflow.states)
    if not states:
        return []
    depth = {states[0]: 0}
    frontier = [states[0]]
    while frontier:
        following = []
        for state in frontier:
            for move in workflow.transitions.values():
                if state in move.sources and move.target not in depth:
                    depth[move.target] = depth[state] + 1
                    following.append(move.target)
        frontier = following
    last = max(depth.values()) + 1
    for state in states:
        depth.setdefault(state, last)
    grouped: dict[int, list[str]] = {}
    for state in states:
        grouped.setdefault(depth[state], []).append(state)
    return [grouped[d] for d in sorted(grouped)]


def draw(workflow: Workflow, locale: str = "en") -> str:
    """The SVG text of ``workflow``, its state and transition labels in ``locale`` (else English, else names)."""
    layout = columns(workflow)
    wildcard = any(ANY in move.sources for move in workflow.transitions.values())
    places: dict[str, tuple[int, int]] = {}
    top = MARGIN + (BOX_H + GAP_Y if wildcard else 0)
    for column, names in enumerate(layout):
        for row, name in enumerate(names):
            places[name] = (MARGIN + column * (BOX_W + GAP_X), top + row * (BOX_H + GAP_Y))
    if wildcard:
        places[ANY] = (MARGIN, MARGIN)
    width = max((x for x, _ in places.values()), default=0) + BOX_W + MARGIN
    height = max((y for _, y in places.values()), default=0) + BOX_H + MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13" role="img" '
             f'aria-label="{escape(workflow.name)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for move in workflow.transitions.values():
        for source in (ANY,) if ANY in move.sources else move.sources:
            if source in places and move.target in places and source != move.target:
                parts.append(_arrow(places[source], places[move.target], move.name,
                                    _text(move.label, locale, move.name)))
    for name, (x, y) in places.items():
        parts.append(_box(workflow, name, x, y, locale))
    parts.append("</svg>")
    return "\n".join(parts)


def _text(labels: dict[str, str] | None, locale: str, fallback: str) -> str:
    labels = labels or {}
    return labels.get(locale) or labels.get("en") or fallback


def _box(workflow: Workflow, name: str, x: int, y: int, locale: str) -> str:
    state = workflow.states.get(name)
    label = "any state" if name == ANY else _text(state.label if state else None, locale, name)
    fill = "#e8f5e9" if state and state.won else "#fdecea" if state and state.lost else "#f5f5f5"
    dash = ' stroke-dasharray="4 3"' if name == ANY else ""
    width = 3 if state and state.final else 1.5
    return (f'<g class="state" data-state="{escape(name)}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="8" fill="{fill}" stroke="#333" stroke-width="{width}"{dash}/>'
            f'<text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 4}" text-anchor="middle">{escape(str(label))}</text></g>')


def _arrow(start: tuple[int, int], end: tuple[int, int], name: str, text: str) -> str:
    (x1, y1), (x2, y2) = start, end
    forward = x2 > x1
    ax = x1 + BOX_W if forward else x1 + BOX_W / 2
    ay = y1 + BOX_H / 2 if forward else (y1 + BOX_H if y2 > y1 else y1)
    bx = x2 if forward else x2 + BOX_W / 2
    by = y2 + BOX_H / 2 if forward else (y2 if y2 > y1 else y2 + BOX_H)
    # Backward and vertical moves bend, so that a move and its way back do not overlap.
    cx, cy = (ax + bx) / 2 + (0 if forward else 40), (ay + by) / 2 - (0 if forward else 30)
    return (f'<g class="transition" data-transition="{escape(name)}"><path d="M{ax},{ay} Q{cx},{cy} {bx},{by}" '
            f'fill="none" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>'
            f'<text x="{cx}" y="{cy - 6}" text-anchor="middle" fill="#333">{escape(text)}</text></g>')
