"""The web layer's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, positive_integer, text


def settings() -> list[Setting]:
    """The theme and the largest request body."""
    return [
        Setting("THEME", "default", "theme name or folder", text),
        Setting("MAX_CONTENT_LENGTH", 32 * 1024 * 1024, "the largest request body taken, in bytes (above "
                "IMPORT_MAX_BYTES); a larger one is refused with 413 before it is read", positive_integer),
    ]
