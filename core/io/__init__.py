"""CSV and XLSX import and export, dedupe and merge."""

from typing import Any


def declare_tables(metadata: Any) -> Any:
    """Define the import, duplicate and merge tables on the schema's ``metadata`` (``trellis migrate`` creates them)."""
    from trellis.io.tables import declare

    return declare(metadata)
