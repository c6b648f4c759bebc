"""``trellis user`` and ``trellis token``."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from trellis.cli.support import fail


@click.group("user")
def user() -> None:
    """Manage the people who sign in."""


@user.command("add")
@click.argument("email")
@click.option("--role", required=True, help="A role from the metadata, or 'admin' for every permission.")
@click.option("--name", default=None, help="The user's display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@with_appcontext
def add(email: str, role: str, name: str | None, password_stdin: bool) -> None:
    """Create a user who can sign in with EMAIL (password from a prompt or --password-stdin)."""
    from sqlalchemy.exc import SQLAlchemyError
    from trellis.errors import ValidationError
    from trellis.security.accounts import AccountError, create_user

    app = current_app._get_current_object()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        account = create_user(app, email, password, role=role, name=name)
    except AccountError as e:
        fail(str(e))
    except ValidationError as e:
        fail("; ".join(f"{field}: {message}" for field, message in e.fields.items()))
    except SQLAlchemyError as e:
        fail(f"cannot write the user (has 'trellis migrate' been run?): {str(e).splitlines()[0]}")
    click.echo(f"Created user {account.email} (#{account.id}, role {role})")


@user.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of standard input.")
@with_appcontext
def password(email: str, password_stdin: bool) -> None:
    """Set a new password for the user with EMAIL; every session of the user ends."""
    from trellis.security.accounts import AccountError, find_user_id, set_password

    app = current_app._get_current_object()
    user_id = find_user_id(app, email)
    if user_id is None:
        fail(f"no user with the email '{email}'")
    if password_stdin:
        new = sys.stdin.readline().rstrip("\r\n")
    else:
        new = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(app, user_id, new)
    except AccountError as e:
        fail(str(e))
    click.echo(f"Password changed for {email}; every session of the user has ended")


@user.command("totp-reset")
@click.argument("email")
@with_appcontext
def totp_reset(email: str) -> None:
    """Turn off two-step sign-in for the user with EMAIL (a lost device); every session of the user ends.

    The user then signs in with the password alone and may turn it on again under
    Preferences (administrators must, when TRELLIS_REQUIRE_TOTP_FOR_ADMINS is on).
    """
    from trellis.security.accounts import find_user_id
    from trellis.security.totp import reset

    app = current_app._get_current_object()
    user_id = find_user_id(app, email)
    if user_id is None:
        fail(f"no user with the email '{email}'")
    if reset(app, user_id):
        click.echo(f"Two-step sign-in turned off for {email}; every session of the user has ended")
    else:
        click.echo(f"Two-step sign-in was not on for {email}; nothing changed")


commands = [user]
