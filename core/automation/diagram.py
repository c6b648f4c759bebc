"""A workflow as an SVG diagram: states as boxes, transitions as labelled arrows (``trellis workflow draw``).

The layout is plain and deterministic: states in columns by their distance from
the first state (following transitions), in the order the YAML lists them;
transitions allowed from any state (``from: "*"``) start at an "any state" box.
For a right-to-left language (Persian) the drawing is mirrored: states flow from right
to left, arrows point that way and text is laid out right to left. Each transition's
label is moved up or down from its arrow's bend until its box meets no other label and
no state (:func:`layout` gives the boxes). No JavaScript, no external fonts: the UI
embeds the SVG as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from trellis.metadata.model import Workflow

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 150, 46, 90, 40, 30
ANY = "*"
# A label's box: the text's width estimated generously (no font metrics without a browser).
FONT, CHAR_W, LABEL_H, LABEL_PAD, STEP = 13, 8, 17, 4, 9
MAX_TRIES = 200

Box = tuple[float, float, float, float]   # x0, y0, x1, y1


@dataclass
class Arrow:
    """One transition's curve (start, bend, end) and its label's text and box."""

    name: str
    text: str
    points: tuple[float, float, float, float, float, float]
    label: Box


@dataclass
class Layout:
    """Where everything of a drawing goes: the states' boxes, the arrows and the drawing's size."""

    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    arrows: list[Arrow] = field(default_factory=list)
    width: float = 0
    height: float = 0
    rtl: bool = False

    def state_boxes(self) -> list[Box]:
        """Each state's box."""
        return [(x, y, x + BOX_W, y + BOX_H) for x, y in self.places.values()]

    def label_boxes(self) -> list[Box]:
        """Each transition label's box."""
        return [arrow.label for arrow in self.arrows]


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


def right_to_left(locale: str) -> bool:
    """Whether ``locale``'s script runs right to left (Persian, Arabic, Hebrew...)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(locale.replace("-", "_")).character_order == "right-to-left"
    except (ValueError, UnknownLocaleError):
        return False


def layout(workflow: Workflow, locale: str = "en") -> Layout:
    """The positions of ``workflow``'s states, arrows and labels, mirrored for a right-to-left ``locale``."""
    wildcard = any(ANY in move.sources for move in workflow.transitions.values())
    result = Layout(rtl=right_to_left(locale))
    top = MARGIN + (BOX_H + GAP_Y if wildcard else 0)
    for column, names in enumerate(columns(workflow)):
        for row, name in enumerate(names):
            result.places[name] = (MARGIN + column * (BOX_W + GAP_X), top + row * (BOX_H + GAP_Y))
    if wildcard:
        result.places[ANY] = (MARGIN, MARGIN)
    taken = result.state_boxes()
    for move in workflow.transitions.values():
        for source in (ANY,) if ANY in move.sources else move.sources:
            if source in result.places and move.target in result.places and source != move.target:
                points = _curve(result.places[source], result.places[move.target])
                text = _text(move.label, locale, move.name)
                box = _free_box(points[2], points[3] - 6, len(text), taken)
                taken.append(box)
                result.arrows.append(Arrow(move.name, text, points, box))
    result.width = max((b[2] for b in taken), default=0) + MARGIN
    result.height = max((b[3] for b in taken), default=0) + MARGIN
    if result.rtl:
        _mirror(result)
    return result


def draw(workflow: Workflow, locale: str = "en", any_state: str = "any state") -> str:
    """The SVG text of ``workflow``, its state and transition labels in ``locale`` (else English, else names);
    ``any_state`` names the box the ``from: "*"`` transitions start at (the web page passes it translated)."""
    drawing = layout(workflow, locale)
    width, height = round(drawing.width), round(drawing.height)
    direction = ' direction="rtl"' if drawing.rtl else ""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{FONT}" role="img"{direction} '
             f'aria-label="{escape(workflow.name)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    parts.extend(_arrow(arrow) for arrow in drawing.arrows)
    parts.extend(_box(workflow, name, x, y, any_state if name == ANY else
                      _text(getattr(workflow.states.get(name), "label", None), locale, name))
                 for name, (x, y) in drawing.places.items())
    parts.append("</svg>")
    return "\n".join(parts)


def overlaps(a: Box, b: Box) -> bool:
    """Whether boxes ``a`` and ``b`` share more than an edge."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _free_box(cx: float, baseline: float, chars: int, taken: list[Box]) -> Box:
    """The box of a label centred at ``cx`` nearest to ``baseline`` (up or down) that overlaps none of ``taken``."""
    half = chars * CHAR_W / 2 + LABEL_PAD
    for tries in range(MAX_TRIES):
        shift = (tries + 1) // 2 * STEP * (-1 if tries % 2 else 1)
        box = (cx - half, baseline + shift - LABEL_H + 4, cx + half, baseline + shift + 4)
        if box[1] >= 0 and not any(overlaps(box, other) for other in taken):
            return box
    bottom = max((other[3] for other in taken), default=0)   # crowded: below everything
    return (cx - half, bottom + 2, cx + half, bottom + 2 + LABEL_H)


def _mirror(drawing: Layout) -> None:
    """Flip ``drawing`` left to right, in place."""
    w = drawing.width
    drawing.places = {name: (w - x - BOX_W, y) for name, (x, y) in drawing.places.items()}
    for arrow in drawing.arrows:
        ax, ay, cx, cy, bx, by = arrow.points
        arrow.points = (w - ax, ay, w - cx, cy, w - bx, by)
        x0, y0, x1, y1 = arrow.label
        arrow.label = (w - x1, y0, w - x0, y1)


def _text(labels: dict[str, str] | None, locale: str, fallback: str) -> str:
    labels = labels or {}
    return labels.get(locale) or labels.get("en") or fallback


def _box(workflow: Workflow, name: str, x: float, y: float, label: str) -> str:
    state = workflow.states.get(name)
    fill = "#e8f5e9" if state and state.won else "#fdecea" if state and state.lost else "#f5f5f5"
    dash = ' stroke-dasharray="4 3"' if name == ANY else ""
    width = 3 if state and state.final else 1.5
    return (f'<g class="state" data-state="{escape(name)}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="8" fill="{fill}" stroke="#333" stroke-width="{width}"{dash}/>'
            f'<text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 4}" text-anchor="middle">{escape(str(label))}</text></g>')


def _curve(start: tuple[float, float], end: tuple[float, float]) -> tuple[float, float, float, float, float, float]:
    """``(ax, ay, cx, cy, bx, by)``: from ``start``'s box to ``end``'s, bending through ``(cx, cy)``."""
    (x1, y1), (x2, y2) = start, end
    forward = x2 > x1
    ax = x1 + BOX_W if forward else x1 + BOX_W / 2
    ay = y1 + BOX_H / 2 if forward else (y1 + BOX_H if y2 > y1 else y1)
    bx = x2 if forward else x2 + BOX_W / 2
    by = y2 + BOX_H / 2 if forward else (y2 if y2 > y1 else y2 + BOX_H)
    # Backward and vertical moves bend, so that a move and its way back do not overlap.
    return ax, ay, (ax + bx) / 2 + (0 if forward else 40), (ay + by) / 2 - (0 if forward else 30), bx, by


def _arrow(arrow: Arrow) -> str:
    ax, ay, cx, cy, bx, by = arrow.points
    x0, y0, x1, y1 = arrow.label
    return (f'<g class="transition" data-transition="{escape(arrow.name)}"><path d="M{ax},{ay} Q{cx},{cy} {bx},{by}" '
            f'fill="none" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>'
            f'<rect class="label" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="#fff" opacity="0.85"/>'
            f'<text x="{(x0 + x1) / 2}" y="{y1 - 4}" text-anchor="middle" fill="#333">{escape(arrow.text)}</text></g>')
