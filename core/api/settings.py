"""The REST API's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, mapping, positive_integer, rate, text, url


def settings() -> list[Setting]:
    """Rate limits, the public forms, webhook subscriptions' attempts and the API's title."""
    return [
        Setting("SITE_NAME", "Trellis", "the name in the API's title (OpenAPI)", text),
        Setting("BASE_URL", None, "the public address (https://crm.example.com) links in API answers are built on; "
                "unset: relative links (never the request's Host header)", url),
        Setting("WEBHOOK_ATTEMPTS", 8, "how many times a webhook subscription's delivery is tried",
                positive_integer),
        Setting("API_RATE_LIMIT", "600/minute", "requests per token, e.g. 600/minute", rate),
        Setting("API_FORM_RATE_LIMIT", "10/minute", "posts to a public form per IP address, e.g. 10/minute", rate),
        Setting("API_FORMS", {}, "public forms: {name: {entity, fields, ...}} (JSON in the environment)", mapping),
    ]
