"""The REST API, OpenAPI, tokens and webhooks.

Public API::

    declare_tables(metadata) / init_app(app)           # called by create_app, after web.init_app
    create_token(app, user, scope="read", name="")     # -> (id, secret); the secret is shown once
    revoke_token(app, token_id) -> bool                # refused from the next request on
    tokens_of(app, user) -> [TokenInfo]                # for a "my tokens" page
    openapi_document(app) -> dict                      # the OpenAPI 3.1 document
    add_webhook(app, url, entity, events) -> (id, secret), remove_webhook(app, id), attempts_of(app, id)

Endpoints under ``/api/v1`` (records, transitions, history, ``openapi.json``, ``docs``,
public ``forms/<form>`` from the ``API_FORMS`` setting) are described in ``docs/api.md``.
"""

from __future__ import annotations

from typing import Any

# Each public function imports its module when called: the `trellis` command imports this
# package for its commands alone, and `trellis check` must not load SQLAlchemy.

__all__ = ["add_webhook", "attempts_of", "create_token", "init_app", "openapi_document", "plugin_blueprint",
           "remove_webhook", "revoke_token", "tokens_of"]


def declare_tables(metadata: Any) -> Any:
    """Define the API's tables (tokens, rate counters, webhooks) on the schema's ``metadata``."""
    from trellis.api.tables import add_tables

    return add_tables(metadata)


def init_app(app) -> None:
    """Add the API's blueprint, JSON errors and webhook deliveries to ``app``."""
    from trellis.api import errors, views
    from trellis.api.webhooks import init_webhooks

    blueprint = views.make_blueprint()
    app.register_blueprint(blueprint)
    errors.register_routing_errors(app)
    init_webhooks(app)
    # Bearer tokens, never cookies: a cross-site page cannot make the browser send a token,
    # so CSRF protection (flask-wtf, set up by security) does not apply to the API.
    app.extensions["csrf"].exempt(blueprint)


def plugin_blueprint(blueprint: Any) -> Any:
    """A plugin's blueprint answering like the API: bearer authentication, no CSRF, JSON errors."""
    from trellis.api import errors, views

    blueprint.before_request(views.authenticate)
    errors.register_on(blueprint)
    blueprint.record_once(lambda state: state.app.extensions["csrf"].exempt(blueprint))
    return blueprint


def create_token(app, user: Any, scope: str = "read", name: str = "") -> tuple[int, str]:
    """A new token for ``user``: ``(id, secret)``; the secret is shown once. See :mod:`trellis.api.tokens`."""
    from trellis.api import tokens

    return tokens.create_token(app, user, scope, name)


def revoke_token(app, token_id: int) -> bool:
    """Refuse the token from the next request on; False when there was none."""
    from trellis.api import tokens

    return tokens.revoke_token(app, token_id)


def tokens_of(app, user: Any) -> list:
    """``user``'s tokens (``TokenInfo``), newest first."""
    from trellis.api import tokens

    return tokens.tokens_of(app, user)


def add_webhook(app, url: str, entity: str, events: Any = None, secret: str | None = None) -> tuple[int, str]:
    """Subscribe ``url`` to ``entity``'s ``events`` (default: all); ``(id, secret)``: :mod:`.webhooks`."""
    from trellis.api import webhooks

    return webhooks.add_webhook(app, url, entity, webhooks.EVENTS if events is None else events, secret)


def remove_webhook(app, webhook_id: int) -> bool:
    """Remove a webhook subscription; False when there was none."""
    from trellis.api import webhooks

    return webhooks.remove_webhook(app, webhook_id)


def attempts_of(app, webhook_id: int) -> list[dict[str, Any]]:
    """Every delivery attempt of a subscription, oldest first (``status_code``, ``error``, ``event``, ``at``)."""
    from trellis.api import webhooks

    return webhooks.attempts_of(app, webhook_id)


def openapi_document(app) -> dict:
    """The OpenAPI 3.1 document of ``app``'s API, generated from its metadata."""
    from trellis.api.openapi import document

    return document(app)
