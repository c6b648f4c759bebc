"""Public forms (web-to-lead): ``POST /api/v1/forms/<form>`` creates a record without a token.

Forms are defined by the administrator in the ``API_FORMS`` setting::

    API_FORMS = {"contact_us": {
        "entity": "lead",                      # any entity
        "fields": ["name", "email", "message"],  # the only fields a visitor may set
        "values": {"source": "website"},       # fixed values added to every record
        "honeypot": "website",                 # a field humans leave empty (hide it with CSS)
        "rate_limit": "5/minute",              # per IP address (default API_FORM_RATE_LIMIT, 10/minute)
        "redirect": "https://example.com/thanks",  # for browser form posts: 303 there
    }}

The body is JSON or an HTML form post. A filled honeypot gets the same answer as a
success and creates nothing, so a bot learns nothing. A field outside ``fields`` is
refused (422), never silently dropped. The record is written through the record
service as the system, on the ``api`` channel: validation, workflows, automations
and webhooks apply as for any other create.
"""

from __future__ import annotations

from flask import current_app, jsonify, redirect, request
from trellis.api.errors import ApiError
from trellis.api.serialize import has_nul

DEFAULT_FORM_RATE_LIMIT = "10/minute"


def public_form(form: str):
    """Create one record from a public form post."""
    from trellis.api.rate_limit import hit
    from trellis.data.records import records_for

    app = current_app._get_current_object()
    spec = (app.config.get("API_FORMS") or {}).get(form)
    if not isinstance(spec, dict) or not spec.get("entity"):
        raise ApiError(404, "not_found", f"no form '{form}'")
    limit = spec.get("rate_limit") or app.config.get("API_FORM_RATE_LIMIT", DEFAULT_FORM_RATE_LIMIT)
    wait = hit(app, f"form:{request.remote_addr or 'unknown'}", limit)
    if wait is not None:
        raise ApiError(429, "rate_limited", f"too many submissions; try again in {wait} s",
                       headers={"Retry-After": str(wait)})
    posted = _posted()
    honeypot = spec.get("honeypot")
    if honeypot and str(posted.pop(honeypot, "") or "").strip():
        return _done(spec)
    allowed = set(spec.get("fields") or [])
    refused = {name: "cannot be set from this form" for name in posted if name not in allowed}
    refused.update({name: "must not contain a NUL character" for name, value in posted.items() if has_nul(value)})
    if refused:
        raise ApiError(422, "validation_failed", "the form is not valid", fields=refused)
    records_for(app, user=None, channel="api").create(spec["entity"], {**posted, **(spec.get("values") or {})})
    return _done(spec)


def _posted() -> dict:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "bad_request", "the body must be a JSON object of field values")
        return dict(body)
    return {key: value for key, value in request.form.items() if key != "csrf_token"}


def _done(spec: dict):
    if spec.get("redirect") and not request.is_json:
        return redirect(spec["redirect"], code=303)
    response = jsonify({"ok": True})
    response.status_code = 201
    return response
