"""Template databases behind ``trellis_app``: a copied template is the database a migration makes."""

from pathlib import Path

from trellis.app import create_app
from trellis.data.database import db
from trellis.data.migrate import plan
from trellis.runtime import runtime
from trellis.testing.templates import migrate_test_database, schema_digest

NOTE = """
entity: memo
title: subject
fields:
  subject: {type: string, required: true}
search: [subject]
"""


def _app(tmp_path: Path, name: str, extra_entity: str | None = None):
    org = tmp_path / f"org-{name}"
    (org / "metadata" / "entities").mkdir(parents=True)
    if extra_entity:
        (org / "metadata" / "entities" / "memo.yaml").write_text(extra_entity, encoding="utf-8")
    url = f"sqlite:///{tmp_path / name}.sqlite"
    return create_app({"DATABASE_URL": url, "ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "t"}), url


def _pending(app) -> list[str]:
    with app.app_context():
        return plan(db.engine, runtime(app).schema).lines()


def test_a_copied_template_needs_no_migration_and_holds_every_table(tmp_path, monkeypatch):
    import trellis.data.migrate

    first, first_url = _app(tmp_path, "first", NOTE)
    second, second_url = _app(tmp_path, "second", NOTE)
    assert schema_digest(first) == schema_digest(second)
    migrate_test_database(first, first_url)

    def no_second_migration(app, **kwargs):
        raise AssertionError("the second database should be a copy, not a migration")

    monkeypatch.setattr(trellis.data.migrate, "upgrade", no_second_migration)
    migrate_test_database(second, second_url)
    monkeypatch.undo()
    assert _pending(second) == []
    with second.app_context():
        tables = set(db.inspect(db.engine).get_table_names())
    assert {"memo", "contact"} <= tables


def test_another_schema_has_another_digest(tmp_path):
    plain, _ = _app(tmp_path, "plain")
    with_memo, _ = _app(tmp_path, "memo", NOTE)
    assert schema_digest(plain) != schema_digest(with_memo)
