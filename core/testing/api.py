"""Helpers for tests of the REST API (Trellis's own and plugins')::

    from trellis.testing.api import api_app, bearer, new_user

    app = api_app(trellis_config)                 # create_app + the API + migrate
    user = new_user(app, "ann@example.com")
    headers = bearer(app, user, scope="write")    # {"Authorization": "Bearer trl_..."}
    app.test_client().get("/api/v1/contact", headers=headers)
"""

from __future__ import annotations

from typing import Any


def api_app(config: dict) -> Any:
    """``create_app(config)`` with the tables migrated."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    app = create_app(config)
    upgrade(app)
    return app


def new_user(app, email: str, role: str | None = "admin") -> int:
    """Create a user who can hold tokens (security's account); returns the user id."""
    from trellis.security.accounts import create_user

    return create_user(app, email, None, role=role).id


def bearer(app, user: Any, scope: str = "write", name: str = "test") -> dict[str, str]:
    """Headers with a new token of ``user``."""
    from trellis.api.tokens import create_token

    _, secret = create_token(app, user, scope=scope, name=name)
    return {"Authorization": f"Bearer {secret}"}
