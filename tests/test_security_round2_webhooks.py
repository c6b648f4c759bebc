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
from test_automation_world import *  # noqa: F403 - the shared fixtures
from test_automation_world import records_of
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
