"""The web layer's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, text


def settings() -> list[Setting]:
    """The theme."""
    return [Setting("THEME", "default", "theme name or folder", text)]
