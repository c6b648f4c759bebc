"""Template databases for tests: migrate a schema once per test process, copy it for every test.

Planning a migration compares the metadata with the database through Alembic's
autogenerate, which costs about a second per test even when nothing changes. Most tests
build the same schema, so the first test with a given schema migrates a SQLite file and
keeps a copy; later tests with the same schema start from a copy of that file instead.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import sqlite3
import tempfile
from pathlib import Path

_templates: dict[str, Path] = {}
_folder: list[Path] = []


def sqlite_file(url: str) -> Path | None:
    """The file of a file-based SQLite URL, or None for any other database."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or ":memory:" in url or "?" in url:
        return None
    return Path(url[len(prefix):])


def schema_digest(app) -> str:
    """A digest of everything a migration of ``app``'s metadata writes to an empty SQLite database."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from trellis.data.migrate import fingerprints
    from trellis.runtime import runtime

    schema = runtime(app).schema
    dialect = sqlite.dialect()
    digest = hashlib.sha256()
    for table in sorted(schema.metadata.tables.values(), key=lambda t: t.name):
        digest.update(str(CreateTable(table).compile(dialect=dialect)).encode())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            digest.update(str(CreateIndex(index).compile(dialect=dialect)).encode())
    digest.update(repr(sorted(fingerprints(schema).items())).encode())
    return digest.hexdigest()


def migrate_test_database(app, url: str) -> None:
    """Bring the (new, empty) test database at ``url`` up to ``app``'s metadata.

    A SQLite file whose schema was migrated before in this process is copied from the
    kept template; a PostgreSQL test schema is swapped for an emptied one kept from an
    earlier test with the same schema (:mod:`trellis.testing.pg_pool`); anything else
    is migrated as ``trellis migrate`` would.
    """
    from trellis.data.migrate import upgrade
    from trellis.testing import pg_pool

    if pg_pool.schema_of(url) is not None:
        key = schema_digest(app)
        if not pg_pool.claim(url, key):
            upgrade(app)
            pg_pool.remember(url, key)
        return
    path = sqlite_file(url)
    if path is None or path.exists():
        upgrade(app)
        return
    key = schema_digest(app)
    template = _templates.get(key)
    if template is not None:
        shutil.copyfile(template, path)
        return
    upgrade(app)
    _templates[key] = _keep(app, path, key)


def _keep(app, path: Path, key: str) -> Path:
    """Copy the freshly migrated database at ``path`` into the template folder (SQLite's backup API)."""
    from trellis.data.database import db

    with app.app_context():
        db.engine.dispose()
    if not _folder:
        _folder.append(Path(tempfile.mkdtemp(prefix="trellis-templates-")))
        atexit.register(shutil.rmtree, _folder[0], True)
    target = _folder[0] / f"{key}.sqlite"
    source, copy = sqlite3.connect(path), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target
