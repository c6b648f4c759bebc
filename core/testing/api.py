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
    """``create_app(config)`` with the API wired (if create_app does not yet) and the tables migrated."""
    from trellis import api
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    app = create_app(config)
    api.init_app(app)
    upgrade(app)
    return app


def new_user(app, email: str, role: str | None = "admin") -> int:
    """Create a user who can hold tokens; returns the user id (security's account when wired)."""
    from trellis.runtime import runtime

    if runtime(app).services.get("credentials") is not None:
        from trellis.security.accounts import create_user

        return create_user(app, email, None, role=role).id
    from trellis.data.records import records_for

    with app.app_context():
        return records_for(app).create("user", {"email": email}).id


def bearer(app, user: Any, scope: str = "write", name: str = "test") -> dict[str, str]:
    """Headers with a new token of ``user``."""
    from trellis.api.tokens import create_token

    _, secret = create_token(app, user, scope=scope, name=name)
    return {"Authorization": f"Bearer {secret}"}
