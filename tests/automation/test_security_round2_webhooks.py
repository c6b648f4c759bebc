"""Findings 7 and 12 (security round 2): automation webhooks are signed with their own secret, never the
session-signing key, and no webhook reaches a private, loopback or link-local address unless allowed.

7: a receiver given the signing key could forge the half-signed-in state of two-step sign-in
if the key were ``SECRET_KEY``. ``WEBHOOK_SECRET`` is a setting (``trellis.yaml``,
``TRELLIS_WEBHOOK_SECRET``); unset, a secret of its own is generated into the instance folder.
12: ``WEBHOOK_ALLOW_PRIVATE`` (default false) lets a webhook reach private addresses; redirects
are not followed; a failure is recorded without saying what the address answered.
"""

import hashlib
import hmac

import pytest
from automation_helpers import records_of
from test_jobs_retry import Receiver, settle_all, webhook_app


@pytest.fixture
def receiver():
    r = Receiver([200])
    yield r
    r.close()


def _signed_with(key: bytes, headers: dict, body: bytes) -> bool:
    expected = hmac.new(key, headers["X-Trellis-Timestamp"].encode() + b"." + body, hashlib.sha256)
    return headers["X-Trellis-Signature"] == "sha256=" + expected.hexdigest()


def test_an_automation_webhook_is_not_signed_with_the_session_signing_key(org, base_config, worker, receiver):
    app = webhook_app(org, {**base_config, "WEBHOOK_ALLOW_PRIVATE": True}, worker, receiver.url)
    records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    headers, body = receiver.requests[-1]
    assert not _signed_with(b"test-secret", headers, body)
    generated = (org / "instance" / "webhook_secret").read_text().strip()
    assert generated and _signed_with(generated.encode(), headers, body)


def test_the_webhook_secret_is_a_setting_of_trellis_yaml(org, base_config, worker, receiver):
    (org / "trellis.yaml").write_text("webhook_secret: a-receivers-secret\nwebhook_allow_private: true\n")
    app = webhook_app(org, base_config, worker, receiver.url)
    records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    headers, body = receiver.requests[-1]
    assert _signed_with(b"a-receivers-secret", headers, body)


# Finding 12: the egress policy.


def test_an_automation_webhook_to_a_loopback_address_is_not_sent_by_default(org, base_config, worker, receiver):
    app = webhook_app(org, {**base_config, "WEBHOOK_ALLOW_PRIVATE": False}, worker, receiver.url)
    records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    assert receiver.requests == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "[::1]", "0.0.0.0",
                                     "localhost", "[::ffff:127.0.0.1]"])
def test_the_egress_policy_refuses_private_loopback_and_link_local_addresses(trellis_app, address):
    from trellis.automation.webhooks import WebhookRefused, egress_check

    with pytest.raises(WebhookRefused):
        egress_check(trellis_app, f"http://{address}:8080/hook")
    trellis_app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    egress_check(trellis_app, f"http://{address}:8080/hook")


def test_an_api_subscription_to_a_private_address_records_a_generic_failure(trellis_app):
    from trellis.api import add_webhook, attempts_of
    from trellis.api.webhooks import deliver

    with trellis_app.app_context():
        closed = add_webhook(trellis_app, "http://127.0.0.1:9/hook", "contact", ["create"])[0]
        metadata = add_webhook(trellis_app, "http://169.254.169.254/latest", "contact", ["create"])[0]
    for hook in (closed, metadata):
        with pytest.raises(RuntimeError):
            deliver(trellis_app, {"webhook": hook, "body": {"event": "create", "id": 1}})
    errors = {a["error"] for hook in (closed, metadata) for a in attempts_of(trellis_app, hook)}
    assert len(errors) == 1 and "refused" not in next(iter(errors)).lower()


def test_a_webhook_redirect_is_not_followed(trellis_app):
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from threading import Thread

    from trellis.api import add_webhook, attempts_of
    from trellis.api.webhooks import deliver

    target = Receiver([200])
    try:
        class Redirect(BaseHTTPRequestHandler):
            def do_POST(self):
                self.send_response(302)
                self.send_header("Location", target.url)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", 0), Redirect)
        Thread(target=server.serve_forever, daemon=True).start()
        trellis_app.config["WEBHOOK_ALLOW_PRIVATE"] = True
        with trellis_app.app_context():
            hook = add_webhook(trellis_app, f"http://127.0.0.1:{server.server_port}/hook", "contact", ["create"])[0]
        with pytest.raises(RuntimeError):
            deliver(trellis_app, {"webhook": hook, "body": {"event": "create", "id": 1}})
        server.shutdown()
        assert target.requests == []
        assert [a["status_code"] for a in attempts_of(trellis_app, hook)] == [302]
    finally:
        target.close()
