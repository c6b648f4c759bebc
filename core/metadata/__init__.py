"""YAML layers -> the typed model in :mod:`trellis.metadata.model`. No Flask, no SQL."""


def init_app(app) -> None:
    """Load the YAML layers into ``app``'s runtime (filled in by the metadata engine)."""
