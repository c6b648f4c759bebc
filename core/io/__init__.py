"""CSV and XLSX import and export, dedupe and merge."""


def init_app(app) -> None:
    """Add the import, duplicate and merge tables to ``app``'s schema (``trellis migrate`` creates them)."""
    from trellis.io.tables import install

    install(app)
