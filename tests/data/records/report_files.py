"""Writing a test organisation's roles, reports and extra entities as YAML (the report tests share it)."""

from pathlib import Path


def write_org(config: dict, roles: str, reports: dict[str, str], entities: dict[str, str] | None = None) -> dict:
    """Write ``roles.yaml``, ``reports/<name>.yaml`` per report and each of ``entities`` (file name -> YAML)
    into ``config``'s organisation folder; return ``config``."""
    metadata = Path(config["ORG_DIR"]) / "metadata"
    (metadata / "roles.yaml").write_text(roles)
    (metadata / "reports").mkdir(exist_ok=True)
    for name, text in reports.items():
        (metadata / "reports" / f"{name}.yaml").write_text(text)
    for name, text in (entities or {}).items():
        (metadata / name).write_text(text)
    return config
