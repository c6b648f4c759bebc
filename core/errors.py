"""Errors a user, an admin or a plugin can cause.

Each carries where the problem is (a field, a file and line), so that the web
layer, the API and the CLI can show it without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class TrellisError(Exception):
    """Base class of every error Trellis raises on purpose."""


class SettingsError(TrellisError):
    """A setting has a value Trellis cannot use; the message names the setting."""


class ValidationError(TrellisError):
    """A write was refused; ``fields`` maps field name (or ``"__all__"``) to message.

    Hooks raise it to refuse a write::

        raise ValidationError({"amount": "must be positive"})
    """

    def __init__(self, fields: dict[str, str] | str, message: str | None = None):
        if isinstance(fields, str):
            fields = {"__all__": fields}
        self.fields = dict(fields)
        self.message = message or "; ".join(f"{k}: {v}" for k, v in self.fields.items())
        super().__init__(self.message)


class ConflictError(TrellisError):
    """An update carried a stale ``version``; ``current`` holds the stored values."""

    def __init__(self, message: str, current: dict | None = None):
        self.current = current or {}
        super().__init__(message)


class PermissionDenied(TrellisError):
    """The acting user may not do this."""


class NotFound(TrellisError):
    """No such record, or the acting user may not see it (the two look the same)."""


@dataclass(frozen=True)
class Problem:
    """One error (or warning) found in a YAML file, printed as ``path:line:col: level: message``."""

    path: str
    line: int
    column: int
    message: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.level}: {self.message}"


class MetadataError(TrellisError):
    """The YAML layers hold errors; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
