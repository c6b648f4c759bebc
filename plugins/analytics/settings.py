"""The ``analytics:`` YAML document: the window, what counts as paid, RFM segments, churn and CLV settings.

Checked by ``trellis check`` with file and line like every other document. Of
several documents the last layer's wins (the organisation overrides the plugin's
defaults in its own ``metadata/``). :func:`build` turns one document into
:class:`Settings`; :func:`current` is what the running application uses.
"""

from __future__ import annotations

from dataclasses import dataclass

WHAT = "the analytics settings"
KEYS = ("analytics", "window_days", "paid_states", "segments", "churn", "clv", "association", "lead_scoring")
MAX_DAYS = 3650
AXES = ("r", "f", "m")

_RANGE = {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 5}, "minItems": 2, "maxItems": 2}
_LABEL = {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
_RATIO = {"type": "number", "minimum": 0, "maximum": 1}
SCHEMA = {
    "type": "object", "required": ["analytics"], "additionalProperties": False,
    "description": "Analytics settings (the analytics plugin): RFM window and segments, churn, CLV, cross-sell.",
    "properties": {
        "analytics": {"type": "string"},
        "window_days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
        "paid_states": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "segments": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "properties": {"r": _RANGE, "f": _RANGE, "m": _RANGE, "label": _LABEL}}},
        "churn": {"type": "object", "additionalProperties": False, "properties": {
            "lost_ratio": {"type": "number", "exclusiveMinimum": 1, "maximum": 100},
            "default_gap_days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
            "high": {"type": "integer", "minimum": 0, "maximum": 100}}},
        "clv": {"type": "object", "additionalProperties": False,
                "properties": {"lifetime_years": {"type": "number", "exclusiveMinimum": 0, "maximum": 100}}},
        "association": {"type": "object", "additionalProperties": False, "properties": {
            "min_support": _RATIO, "min_confidence": _RATIO, "min_orders": {"type": "integer", "minimum": 1},
            "max_rules": {"type": "integer", "minimum": 1, "maximum": 100000}}},
        "lead_scoring": {"type": "object", "additionalProperties": False, "properties": {
            "fields": {"type": "array", "items": {"type": "string"}}}},
    },
}
"""The JSON Schema of the document, for editors (``trellis schema``); ``build`` checks the rest."""


@dataclass(frozen=True)
class Segment:
    """A named RFM segment: the score ranges (inclusive) it covers; an axis left out is any score."""

    name: str
    label: dict
    ranges: dict  # axis ("r", "f", "m") -> (low, high)

    def covers(self, scores: dict) -> bool:
        """True when every range of the segment holds the contact's score on that axis."""
        return all(low <= scores[axis] <= high for axis, (low, high) in self.ranges.items())


@dataclass(frozen=True)
class Settings:
    """The analytics settings as the YAML says them (defaults for what it leaves out)."""

    window_days: int = 365
    paid_states: tuple[str, ...] = ("delivered", "invoiced")
    segments: tuple[Segment, ...] = ()
    lost_ratio: float = 3.0
    default_gap_days: int = 90
    churn_high: int = 70
    lifetime_years: float = 3.0
    min_support: float = 0.01
    min_confidence: float = 0.1
    min_orders: int = 2
    max_rules: int = 500
    lead_fields: tuple[str, ...] = ("source", "campaign")

    def segment_of(self, scores: dict) -> str | None:
        """The first segment, top to bottom, whose ranges cover ``scores`` ({"r": 5, "f": 3, "m": 4})."""
        return next((segment.name for segment in self.segments if segment.covers(scores)), None)


def _number(mapping, key: str, what: str, reader, low: float, high: float, default: float) -> float:
    value = mapping.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        reader.error(mapping.value_at(key), f"'{key}' of {what} must be a number")
        return default
    if not low <= value <= high:
        reader.error(mapping.value_at(key), f"'{key}' of {what} must be from {low} to {high}")
        return default
    return float(value)


def _whole(mapping, key: str, what: str, reader, low: int, high: int, default: int) -> int:
    value = reader.integer(mapping, key, what, minimum=low)
    if value is None:
        return default
    if value > high:
        reader.error(mapping.value_at(key), f"'{key}' of {what} must be at most {high}")
        return default
    return value


def _range(spec, axis: str, what: str, reader) -> tuple[int, int] | None:
    value = spec.get(axis)
    if value is None:
        return None
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 for v in value))
    if not ok or value[0] > value[1]:
        reader.error(spec.value_at(axis), f"'{axis}' of {what} must be [low, high], scores from 1 to 5, low first")
        return None
    return (value[0], value[1])


def _segments(document, reader) -> tuple[Segment, ...]:
    spec = reader.mapping(document, "segments", WHAT)
    segments = []
    for name, body in (spec or {}).items():
        what = f"segment '{name}'"
        if not hasattr(body, "value_at"):
            reader.error(spec.value_at(name), f"{what} must be a mapping")
            continue
        reader.keys(body, (*AXES, "label"), what)
        ranges = {axis: r for axis in AXES if (r := _range(body, axis, what, reader)) is not None}
        segments.append(Segment(str(name), reader.label(body, "label", what), ranges))
    return tuple(segments)


def _fields(document, reader) -> tuple[str, ...]:
    spec = reader.mapping(document, "lead_scoring", WHAT) or {}
    if spec:
        reader.keys(spec, ("fields",), f"'lead_scoring' of {WHAT}")
    names = reader.names(spec, "fields", f"'lead_scoring' of {WHAT}") if spec else []
    return tuple(name for name, _ in names) if names else Settings.lead_fields


def build(document, reader) -> Settings:
    """Check one ``analytics:`` document; the :class:`Settings` it describes."""
    reader.keys(document, KEYS, WHAT)
    reader.text(document, "analytics", WHAT, required=True)
    churn = reader.mapping(document, "churn", WHAT) or {}
    if churn:
        reader.keys(churn, ("lost_ratio", "default_gap_days", "high"), f"'churn' of {WHAT}")
    clv = reader.mapping(document, "clv", WHAT) or {}
    if clv:
        reader.keys(clv, ("lifetime_years",), f"'clv' of {WHAT}")
    pairs = reader.mapping(document, "association", WHAT) or {}
    if pairs:
        reader.keys(pairs, ("min_support", "min_confidence", "min_orders", "max_rules"), f"'association' of {WHAT}")
    states = reader.names(document, "paid_states", WHAT)
    where_churn, where_pairs = f"'churn' of {WHAT}", f"'association' of {WHAT}"
    return Settings(
        window_days=_whole(document, "window_days", WHAT, reader, 1, MAX_DAYS, 365),
        paid_states=tuple(name for name, _ in states) if states else Settings.paid_states,
        segments=_segments(document, reader),
        lost_ratio=_number(churn, "lost_ratio", where_churn, reader, 1.01, 100, 3.0) if churn else 3.0,
        default_gap_days=_whole(churn, "default_gap_days", where_churn, reader, 1, MAX_DAYS, 90) if churn else 90,
        churn_high=_whole(churn, "high", where_churn, reader, 0, 100, 70) if churn else 70,
        lifetime_years=_number(clv, "lifetime_years", f"'clv' of {WHAT}", reader, 0.01, 100, 3.0) if clv else 3.0,
        min_support=_number(pairs, "min_support", where_pairs, reader, 0, 1, 0.01) if pairs else 0.01,
        min_confidence=_number(pairs, "min_confidence", where_pairs, reader, 0, 1, 0.1) if pairs else 0.1,
        min_orders=_whole(pairs, "min_orders", where_pairs, reader, 1, 10**9, 2) if pairs else 2,
        max_rules=_whole(pairs, "max_rules", where_pairs, reader, 1, 100000, 500) if pairs else 500,
        lead_fields=_fields(document, reader),
    )


def current() -> Settings:
    """The settings of the running application: the last ``analytics:`` document, or the defaults."""
    from trellis import metadata_model

    documents = metadata_model().configs.get("analytics", [])
    return documents[-1] if documents else Settings()
