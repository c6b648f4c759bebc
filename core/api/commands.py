"""``trellis token``: personal API tokens from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from trellis.cli_support import fail


@click.group("token")
def token() -> None:
    """Create and revoke personal API tokens."""


@token.command("create")
@click.argument("email")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read", show_default=True,
              help="read: GET only; write: every method.")
@click.option("--name", default="", help="What the token is for (shown in lists).")
@with_appcontext
def create(email: str, scope: str, name: str) -> None:
    """Create a token acting as the user EMAIL; prints the secret once."""
    from sqlalchemy.exc import SQLAlchemyError
    from trellis.api.tokens import create_token
    from trellis.security.accounts import find_user_id

    app = _api_app()
    try:
        user_id = find_user_id(app, email)
        if user_id is None:
            fail(f"no user with the email {email}")
        token_id, secret = create_token(app, user_id, scope=scope, name=name)
    except SQLAlchemyError as e:
        fail(f"cannot write the token (has 'trellis migrate' been run?): {str(e).splitlines()[0]}")
    click.echo(f"Created token #{token_id} ({scope}) for {email}. It is shown only now:")
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    """Revoke the token TOKEN_ID at once."""
    from trellis.api.tokens import revoke_token

    if not revoke_token(_api_app(), token_id):
        fail(f"no live token #{token_id}")
    click.echo(f"Revoked token #{token_id}")


def _api_app():
    from trellis import api

    app = current_app._get_current_object()
    api.init_app(app)  # a no-op once create_app wires the API
    return app


commands = [token]
