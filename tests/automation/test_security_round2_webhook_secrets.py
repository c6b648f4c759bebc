"""Finding 7, completed (security round 2): every webhook has a signing secret of its own, never SECRET_KEY.

An API subscription gets a random secret when it is made (shown once) and a new one with
``trellis webhook rotate`` or the admin page; an automation's webhook action may name a
secret (``secret: big_deals``) set with ``trellis webhook secret`` or the admin page, and
falls back to ``WEBHOOK_SECRET`` without one.
"""

import hashlib
import hmac

import pytest
from automation_helpers import build_app, records_of, write_org
from test_jobs_retry import Receiver, settle_all


@pytest.fixture
def receiver():
    r = Receiver([200])
    yield r
    r.close()


def _signed_with(key: str, headers: dict, body: bytes) -> bool:
    expected = hmac.new(key.encode(), headers["X-Trellis-Timestamp"].encode() + b"." + body, hashlib.sha256)
    return headers["X-Trellis-Signature"] == "sha256=" + expected.hexdigest()


def invoke(app, *args, stdin: str | None = None):
    """Run ``trellis ARGS`` on ``app``."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo
    from trellis.cli import cli

    return CliRunner().invoke(cli, list(args), input=stdin, obj=ScriptInfo(create_app=lambda: app))


def _deliver(app, hook: int) -> None:
    from trellis.api.webhooks import deliver

    deliver(app, {"webhook": hook, "body": {"event": "create", "id": 1}})


@pytest.fixture
def subscriptions(trellis_app, receiver):
    from trellis.api import add_webhook

    trellis_app.config["WEBHOOK_ALLOW_PRIVATE"] = True   # the receiver is on 127.0.0.1
    with trellis_app.app_context():
        return [add_webhook(trellis_app, receiver.url, "contact", ["create"]) for _ in range(2)]


def test_a_subscription_is_signed_with_its_own_secret_and_not_the_session_key(trellis_app, subscriptions, receiver):
    (hook, secret), _ = subscriptions
    _deliver(trellis_app, hook)
    headers, body = receiver.requests[-1]
    assert _signed_with(secret, headers, body)
    assert not _signed_with(trellis_app.config["SECRET_KEY"], headers, body)
    assert not _signed_with(str(trellis_app.config["WEBHOOK_SECRET"]), headers, body)


def test_two_subscriptions_have_different_secrets(subscriptions):
    (_, first), (_, second) = subscriptions
    assert first != second and len(first) >= 32


def test_a_rotated_secret_signs_from_then_on_and_the_old_one_no_longer(trellis_app, subscriptions, receiver):
    (hook, old), _ = subscriptions
    result = invoke(trellis_app, "webhook", "rotate", str(hook))
    assert result.exit_code == 0, result.output
    new = result.output.strip().splitlines()[-1]
    _deliver(trellis_app, hook)
    headers, body = receiver.requests[-1]
    assert new != old and _signed_with(new, headers, body) and not _signed_with(old, headers, body)


def test_rotating_an_unknown_subscription_fails(trellis_app):
    result = invoke(trellis_app, "webhook", "rotate", "999")
    assert result.exit_code == 1 and "no active webhook #999" in result.output


def test_the_admin_page_rotates_a_secret_and_shows_it_once(trellis_app, subscriptions, client_as):
    from trellis.testing.web import post

    (hook, old), _ = subscriptions
    admin = client_as("admin")
    answer = post(admin, f"/admin/webhooks/{hook}/rotate", {})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "shown only now" in page and old not in page
    assert old not in admin.get("/admin/webhooks").get_data(as_text=True)
    assert post(client_as("contacts_user"), f"/admin/webhooks/{hook}/rotate", {}).status_code == 404


# The automation's own secret.

def _named_app(org, base_config, worker, url):
    """An automation posting each new customer to ``url``, signed with the secret named ``big_deals``."""
    write_org(org, {"automations/hook.yaml": f"""
        automation: big_deal_hook
        entity: customer
        trigger: {{on: [create]}}
        actions:
          - webhook: {{url: "{url}", fields: [name, amount], secret: big_deals}}
    """})
    return worker.attach(build_app({"WEBHOOK_ALLOW_PRIVATE": True, **base_config}))


def test_an_automation_webhook_naming_a_secret_is_signed_with_it(org, base_config, worker, receiver):
    from trellis.automation.webhook_secrets import set_secret

    app = _named_app(org, base_config, worker, receiver.url)
    with app.app_context():
        secret = set_secret(app, "big_deals")
    records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    headers, body = receiver.requests[-1]
    assert _signed_with(secret, headers, body)
    assert not _signed_with(str(app.config["WEBHOOK_SECRET"]), headers, body)
    assert not _signed_with(base_config["SECRET_KEY"], headers, body)


def test_a_webhook_naming_a_secret_nobody_set_is_not_sent_unsigned(org, base_config, worker, receiver):
    app = _named_app(org, base_config, worker, receiver.url)
    records_of(app).create("customer", {"name": "Big", "amount": 20000})
    settle_all(worker, app)
    assert receiver.requests == []


def test_the_secret_is_set_from_the_command_line_and_listed_on_the_admin_page(org, base_config, worker):
    app = _named_app(org, base_config, worker, "http://127.0.0.1:9/hook")
    result = invoke(app, "webhook", "secret", "big_deals", "--secret-stdin",
                    stdin="a-receivers-own-secret-value\n")
    assert result.exit_code == 0, result.output
    from trellis.automation.webhook_secrets import secret_named, secret_names

    with app.app_context():
        assert secret_named(app, "big_deals") == "a-receivers-own-secret-value"
        assert secret_names(app)["big_deals"] is not None


def test_a_secret_value_in_yaml_is_an_error(tmp_path):
    from trellis.errors import MetadataError
    from trellis.metadata import core_layer, load
    from trellis.metadata.model import Layer

    (tmp_path / "metadata" / "automations").mkdir(parents=True)
    (tmp_path / "metadata" / "customer.yaml").write_text("entity: customer\nfields: {name: string}\n")
    (tmp_path / "metadata" / "automations" / "hook.yaml").write_text(
        "automation: hook\nentity: customer\ntrigger: {on: [create]}\n"
        "actions:\n  - webhook: {url: 'https://example.com/', secret: 'Hunter2-plain-value!'}\n")
    with pytest.raises(MetadataError) as caught:
        load([core_layer(), Layer("metadata", str(tmp_path / "metadata"), "organisation")])
    assert any("never goes in YAML" in str(p) for p in caught.value.problems)
