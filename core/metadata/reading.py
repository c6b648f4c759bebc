"""Typed reads from the YAML tree: each getter checks the value and reports a problem where it is written.

A getter never raises: on a wrong value it records ``path:line:col: message`` in
the :class:`~trellis.metadata.problems.Report` and returns a safe fallback, so
that one load finds every mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from trellis.expr import Expression, ExpressionError, compile_expression
from trellis.metadata.model import Label, Source
from trellis.metadata.problems import Report, did_you_mean
from trellis.metadata.yaml_loader import YList, YMap, where

LOCALES = ("en", "ru", "bg", "fa")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_TEXTUAL = (str, int, float)


def kind_of(value: Any) -> str:
    """How a YAML author would call the kind of ``value``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"text '{value}'" if len(value) < 40 else "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class Reader:
    """Typed getters over YMaps that report problems to ``report``."""

    def __init__(self, report: Report, functions: Mapping[str, Callable] | None = None):
        self.report = report
        self.functions = dict(functions or {})

    def error(self, source: Source | None, message: str) -> None:
        """Record a problem at ``source``."""
        self.report.error(source, message)

    def keys(self, mapping: YMap, allowed: Collection[str], what: str) -> None:
        """Report every key of ``mapping`` not in ``allowed``, with a suggestion."""
        for key in mapping:
            if key not in allowed:
                self.error(mapping.key_at(key), f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}")

    def require(self, mapping: YMap, key: str, what: str) -> bool:
        """Report a missing ``key``; True when it is there."""
        if key in mapping:
            return True
        self.error(mapping.source, f"{what} needs '{key}'")
        return False

    def mapping(self, container: Any, key: Any, what: str, required: bool = False) -> YMap | None:
        """The mapping at ``container[key]``; None (and a problem unless absent and optional) otherwise."""
        value = container.get(key) if isinstance(container, dict) else None
        if value is None:
            if required:
                self.error(where(container), f"{what} needs '{key}'")
            return None
        if not isinstance(value, YMap):
            self.error(where(container, key), f"'{key}' of {what} must be a mapping, not {kind_of(value)}")
            return None
        return value

    def text(self, mapping: YMap, key: str, what: str, required: bool = False, default: str | None = None,
             choices: Collection[str] | None = None) -> str | None:
        """A text value (numbers are refused, so ``name: 12`` is caught); checked against ``choices``."""
        value = mapping.get(key)
        if value is None:
            if required:
                self.error(mapping.source, f"{what} needs '{key}'")
            return default
        if not isinstance(value, str):
            self.error(mapping.value_at(key), f"'{key}' of {what} must be text, not {kind_of(value)}")
            return default
        if choices is not None and value not in choices:
            self.error(mapping.value_at(key), f"'{key}' of {what} must be one of {', '.join(choices)}, "
                                              f"not '{value}'{did_you_mean(value, choices)}")
            return default
        return value

    def boolean(self, mapping: YMap, key: str, what: str, default: bool = False) -> bool:
        """A true/false value."""
        value = mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(mapping.value_at(key), f"'{key}' of {what} must be true or false, not {kind_of(value)}")
            return default
        return value

    def integer(self, mapping: YMap, key: str, what: str, minimum: int | None = None) -> int | None:
        """A whole number, at least ``minimum``."""
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(mapping.value_at(key), f"'{key}' of {what} must be a whole number, not {kind_of(value)}")
            return None
        if minimum is not None and value < minimum:
            self.error(mapping.value_at(key), f"'{key}' of {what} must be at least {minimum}")
            return None
        return value

    def label(self, mapping: YMap, key: str, what: str) -> Label:
        """Text per locale: ``{en: Deal, ru: Сделка}``, or plain text meaning English."""
        value = mapping.get(key)
        if value is None:
            return {}
        if isinstance(value, str):
            return {"en": value}
        if not isinstance(value, YMap):
            self.error(mapping.value_at(key), f"'{key}' of {what} must be text or {{locale: text}}, "
                                              f"not {kind_of(value)}")
            return {}
        label = {}
        for locale, text in value.items():
            if locale not in LOCALES:
                self.error(value.key_at(locale), f"unknown locale '{locale}' in '{key}' of {what} "
                                                 f"(known: {', '.join(LOCALES)}){did_you_mean(locale, LOCALES)}")
            elif not isinstance(text, _TEXTUAL) or isinstance(text, bool):
                self.error(value.value_at(locale), f"'{key}.{locale}' of {what} must be text, not {kind_of(text)}")
            else:
                label[locale] = str(text)
        return label

    def names(self, mapping: YMap, key: str, what: str) -> list[tuple[str, Source]]:
        """A name or a list of names, each with where it is written."""
        value = mapping.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [(value, mapping.value_at(key))]
        if not isinstance(value, YList):
            self.error(mapping.value_at(key), f"'{key}' of {what} must be a name or a list of names, "
                                              f"not {kind_of(value)}")
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                result.append((item, value.item_at(index)))
            else:
                self.error(value.item_at(index), f"'{key}' of {what} must list names, not {kind_of(item)}")
        return result

    def expression(self, mapping: YMap, key: Any, what: str, names: Collection[str]) -> Expression | None:
        """Compile the expression at ``mapping[key]`` against ``names``; None when absent or broken."""
        value = mapping.get(key)
        if value is None:
            return None
        return self.compile(value, mapping.value_at(key), f"'{key}' of {what}", names)

    def compile(self, value: Any, at: Source, what: str, names: Collection[str]) -> Expression | None:
        """Compile ``value`` written at ``at``; a problem points at the offending character when it can."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(at, f"{what} must be an expression (text), not {kind_of(value)}")
            return None
        try:
            return compile_expression(str(value), names, self.functions)
        except ExpressionError as error:
            column = at.column
            if error.offset is not None and isinstance(value, str) and "\n" not in value:
                column += error.offset
            self.error(Source(at.path, at.line, column), f"{what}: {error.message}")
            return None
