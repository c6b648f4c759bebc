"""The REST API, OpenAPI, tokens and webhooks."""
