"""Named signing secrets of automation webhooks: ``- webhook: {url: ..., secret: crm_sync}``.

An action without ``secret:`` is signed with the ``WEBHOOK_SECRET`` setting; one that
names a secret is signed with that secret alone, so each receiver can be given a key
that signs nothing else. The value is never in YAML (which is kept in version
control): it is stored in ``trellis_webhook_secret``, generated or set with
``trellis webhook secret NAME`` or on the admin page's webhooks screen, and shown once.
Outbox jobs carry the name only; the value is read when the webhook is sent, so a
rotated secret signs every delivery from then on.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select


class MissingSecret(RuntimeError):
    """An action names a secret nobody has set yet (the delivery fails and is retried)."""


def _table(app):
    from trellis.automation.state import automation_state

    return automation_state(app).tables.secrets


def set_secret(app, name: str, secret: str | None = None) -> str:
    """Store ``secret`` (None: a new random one) under ``name``, replacing any earlier one; returns it."""
    from trellis.data.unit import unit_of_work
    from trellis.metadata.reading import NAME

    if not NAME.match(str(name)):
        raise ValueError(f"a secret name uses lower-case letters, digits and '_', not {name!r}")
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) < 16 or len(secret) > 200:
        raise ValueError("a webhook secret has 16 to 200 characters")
    table = _table(app)
    with unit_of_work(app) as connection:
        connection.execute(delete(table).where(table.c.name == name))
        connection.execute(insert(table).values(name=name, secret=secret, changed_at=datetime.now(UTC)))
    return secret


def secret_named(app, name: str) -> str:
    """The value of the secret ``name``; :class:`MissingSecret` when it has not been set."""
    from trellis.data.unit import unit_of_work

    table = _table(app)
    with unit_of_work(app, write=False) as connection:
        value = connection.execute(select(table.c.secret).where(table.c.name == name)).scalar()
    if value is None:
        raise MissingSecret(f"the webhook secret '{name}' is not set (trellis webhook secret {name})")
    return str(value)


def secret_names(app) -> dict[str, datetime | None]:
    """Every secret name the loaded automations and workflows use, or that is stored, with when it was last
    set (None: not yet)."""
    from trellis.data.unit import unit_of_work
    from trellis.runtime import runtime

    table = _table(app)
    with unit_of_work(app, write=False) as connection:
        found: dict[str, datetime | None] = dict(connection.execute(select(table.c.name, table.c.changed_at)).all())
    for name in used_names(runtime(app).metadata):
        found.setdefault(name, None)
    return dict(sorted(found.items()))


def used_names(metadata) -> set[str]:
    """The ``secret:`` names of every webhook action of the automations and workflow transitions."""
    actions = [a for automation in metadata.automations.values() for a in automation.actions]
    actions += [a for workflow in metadata.workflows.values() for move in workflow.transitions.values()
                for a in move.actions]
    return {str(a.options["secret"]) for a in actions
            if a.kind == "webhook" and hasattr(a.options, "get") and a.options.get("secret")}
