"""``trellis token`` (personal API tokens) and ``trellis webhook`` (subscriptions) from the command line."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from trellis.cli.support import fail


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


@click.group("webhook")
def webhook() -> None:
    """Subscribe URLs to record events (signed POSTs, retried)."""


@webhook.command("add")
@click.argument("url")
@click.argument("entity")
@click.option("--events", default="create,update,delete,transition", show_default=True,
              help="Comma-separated: create, update, delete, transition.")
@with_appcontext
def webhook_add(url: str, entity: str, events: str) -> None:
    """Send ENTITY's events to URL; prints the secret the receiver checks signatures with."""
    from trellis.api.webhooks import add_webhook

    try:
        hook_id, secret = add_webhook(_api_app(), url, entity, [e.strip() for e in events.split(",") if e.strip()])
    except ValueError as e:
        fail(str(e))
    click.echo(f"Created webhook #{hook_id} for {entity} -> {url}. Signing secret (shown only now):")
    click.echo(secret)


@webhook.command("list")
@with_appcontext
def webhook_list() -> None:
    """Every subscription with its last delivery attempt."""
    from sqlalchemy import select
    from trellis.api.webhooks import attempts_of
    from trellis.data.unit import unit_of_work

    app = _api_app()
    table = runtime_tables(app).webhooks
    with unit_of_work(app, write=False) as connection:
        rows = connection.execute(select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        attempts = attempts_of(app, row["id"])
        last = attempts[-1] if attempts else None
        state = "active" if row["active"] else "removed"
        seen = f"last: {last['status_code'] or last['error']}" if last else "no deliveries yet"
        click.echo(f"#{row['id']} {state} {row['entity']} {','.join(json.loads(row['events']))} {row['url']} ({seen})")


@webhook.command("remove")
@click.argument("webhook_id", type=int)
@with_appcontext
def webhook_remove(webhook_id: int) -> None:
    """Stop the subscription WEBHOOK_ID."""
    from trellis.api.webhooks import remove_webhook

    if not remove_webhook(_api_app(), webhook_id):
        fail(f"no webhook #{webhook_id}")
    click.echo(f"Removed webhook #{webhook_id}")


@webhook.command("rotate")
@click.argument("webhook_id", type=int)
@with_appcontext
def webhook_rotate(webhook_id: int) -> None:
    """Give the subscription WEBHOOK_ID a new signing secret; prints it once (the old one stops working)."""
    from trellis.api.webhooks import rotate_secret

    secret = rotate_secret(_api_app(), webhook_id)
    if secret is None:
        fail(f"no active webhook #{webhook_id}")
    click.echo(f"Webhook #{webhook_id} has a new signing secret (shown only now):")
    click.echo(secret)


@webhook.command("secret")
@click.argument("name")
@click.option("--secret-stdin", is_flag=True, help="Read the secret from standard input instead of generating one.")
@with_appcontext
def webhook_secret(name: str, secret_stdin: bool) -> None:
    """Set the signing secret NAME of automation webhooks (``secret: NAME`` in their action); a new random one
    unless --secret-stdin, printed once. Setting it again rotates it."""
    from trellis.automation.webhook_secrets import set_secret

    given = sys.stdin.readline().strip() if secret_stdin else None
    try:
        secret = set_secret(_api_app(), name, given)
    except ValueError as e:
        fail(str(e))
    if given:
        click.echo(f"Webhook secret '{name}' set.")
    else:
        click.echo(f"Webhook secret '{name}' (shown only now):")
        click.echo(secret)


def runtime_tables(app):
    """The API tables of ``app``."""
    from trellis.api.tokens import tables

    return tables(app)


def _api_app():
    return current_app._get_current_object()


commands = [token, webhook]
