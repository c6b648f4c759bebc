"""Import and export settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, positive_integer


def settings() -> list[Setting]:
    """How large an uploaded import file may be, and how long it is kept."""
    return [
        Setting("IMPORT_MAX_BYTES", 20 * 1024 * 1024, "the largest file the import page takes, in bytes",
                positive_integer),
        Setting("IMPORT_KEEP_DAYS", 7, "days an uploaded import file (and its error CSV) is kept", positive_integer),
    ]
