"""The REST API, OpenAPI, tokens and webhooks (DESIGN.md §6).

Public API::

    init_app(app)                                      # called by create_app, after web.init_app
    create_token(app, user, scope="read", name="")     # -> (id, secret); the secret is shown once
    revoke_token(app, token_id) -> bool                # refused from the next request on
    tokens_of(app, user) -> [TokenInfo]                # for a "my tokens" page
    openapi_document(app) -> dict                      # the OpenAPI 3.1 document
    add_webhook(app, url, entity, events) -> (id, secret), remove_webhook(app, id), attempts_of(app, id)

Endpoints under ``/api/v1`` (records, transitions, history, ``openapi.json``, ``docs``,
public ``forms/<form>`` from the ``API_FORMS`` setting) are described in ``docs/api.md``.
"""

from __future__ import annotations

from trellis.lazy_exports import lazy_exports

# Imported on first use: the `trellis` command imports this package for its commands alone.
__getattr__ = lazy_exports(__name__, {"create_token": "tokens", "revoke_token": "tokens", "tokens_of": "tokens",
                                      "add_webhook": "webhooks", "attempts_of": "webhooks",
                                      "remove_webhook": "webhooks"})

__all__ = ["add_webhook", "attempts_of", "create_token", "init_app", "openapi_document", "remove_webhook",
           "revoke_token", "tokens_of"]


def init_app(app) -> None:
    """Add the API's tables to the schema, its blueprint and JSON errors to ``app`` (once)."""
    from trellis.api import errors, views
    from trellis.api.tables import add_tables
    from trellis.api.webhooks import init_webhooks
    from trellis.runtime import runtime

    state = runtime(app)
    if "api_tables" in state.services or state.schema is None:
        return
    state.services["api_tables"] = add_tables(state.schema.metadata)
    blueprint = views.make_blueprint()
    app.register_blueprint(blueprint)
    errors.register_routing_errors(app)
    init_webhooks(app)
    # Bearer tokens, never cookies: a cross-site page cannot make the browser send a token,
    # so CSRF protection (flask-wtf, set up by security) does not apply to the API.
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(blueprint)


def openapi_document(app) -> dict:
    """The OpenAPI 3.1 document of ``app``'s API, generated from its metadata."""
    from trellis.api.openapi import document

    return document(app)
