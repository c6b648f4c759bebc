"""The demo's administrator: ``admin@example.com`` with a random password, printed by ``trellis demo``.

The password is kept (mode 0600) in the instance folder next to the secret key, so
that running the demo again prints the same login instead of a useless new one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

DEMO_ADMIN = "admin@example.com"
LOGIN_FILE = "demo_admin_password"


def demo_password(app) -> str:
    """The demo's password: read from the instance folder, or made (random) and kept there on first use."""
    path = Path(app.instance_path) / LOGIN_FILE
    password = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    if not password:
        password = secrets.token_urlsafe(12)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(password + "\n")
    return password


def demo_admin(app) -> Iterator[str]:
    """Create the demo administrator when missing; yield the line that tells the login."""
    from trellis.security.accounts import create_user, find_user_id, set_password

    password = demo_password(app)
    with app.app_context():
        user_id = find_user_id(app, DEMO_ADMIN)
        if user_id is None:
            create_user(app, DEMO_ADMIN, password, role="admin", name="Demo Admin")
        elif not _password_works(app, password):
            set_password(app, user_id, password)
    yield f"Admin login: {DEMO_ADMIN} / {password}"


def _password_works(app, password: str) -> bool:
    from sqlalchemy import select
    from trellis.data.unit import unit_of_work
    from trellis.security.accounts import credentials, find_user_id
    from werkzeug.security import check_password_hash

    table = credentials(app)
    with unit_of_work(app, write=False) as connection:
        stored = connection.execute(select(table.c.password_hash)
                                    .where(table.c.user_id == find_user_id(app, DEMO_ADMIN))).scalar()
    return bool(stored) and check_password_hash(stored, password)
