"""Webhooks: signed deliveries to a receiver started by the test, retried after a 500, every attempt recorded."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from api_helpers import write_world
from trellis.api import add_webhook, attempts_of, remove_webhook
from trellis.automation import drain


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that answers with the queued statuses (then 200) and keeps what came."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def trellis_config(trellis_config):
    """The API world with no back-off, so a retried delivery is due at the next drain."""
    write_world(trellis_config["ORG_DIR"])
    # WEBHOOK_ALLOW_PRIVATE: the receiver is on 127.0.0.1, which the egress policy refuses otherwise.
    return {**trellis_config, "PLUGINS": [], "JOB_BACKOFF": 0, "SERVER_NAME": "crm.test", "WEBHOOK_ALLOW_PRIVATE": True}


def verified(secret, headers, body):
    expected = hmac.new(secret.encode(), headers["X-Trellis-Timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(headers["X-Trellis-Signature"], "sha256=" + expected.hexdigest())


def test_a_create_is_delivered_signed_with_the_subscriptions_secret(api, client, writer, receiver):
    hook_id, secret = add_webhook(api, receiver.url, "person", ["create"])
    ann = client.post("/api/v1/person", json={"name": "Ann"}, headers=writer).get_json()
    assert drain(api) == 1
    ((headers, body),) = receiver.received
    assert verified(secret, headers, body)
    event = json.loads(body)
    assert (event["event"], event["entity"], event["id"], event["record"]["name"]) == ("create", "person",
                                                                                       ann["id"], "Ann")


def test_a_delivery_answered_with_500_is_retried_and_both_attempts_are_recorded(api, client, writer, receiver):
    receiver.statuses = [500]
    hook_id, secret = add_webhook(api, receiver.url, "person", ["create"])
    client.post("/api/v1/person", json={"name": "Ann"}, headers=writer)
    drain(api)
    drain(api)
    assert len(receiver.received) == 2 and all(verified(secret, h, b) for h, b in receiver.received)
    assert [a["status_code"] for a in attempts_of(api, hook_id)] == [500, 200]


def test_only_subscribed_events_are_sent(api, client, writer, receiver):
    add_webhook(api, receiver.url, "deal", ["transition"])
    deal = client.post("/api/v1/deal", json={"name": "D"}, headers=writer).get_json()
    client.patch(f"/api/v1/deal/{deal['id']}", json={"amount": 5}, headers=writer)
    client.post(f"/api/v1/deal/{deal['id']}/transitions/qualify", headers=writer)
    drain(api)
    events = [json.loads(body) for _, body in receiver.received]
    assert [(e["event"], e["transition"], e["record"]["stage"]) for e in events] == [
        ("transition", "qualify", "qualified")]


def test_a_delete_is_delivered_with_the_deleted_values(api, client, writer, receiver):
    add_webhook(api, receiver.url, "person", ["delete"])
    ann = client.post("/api/v1/person", json={"name": "Ann"}, headers=writer).get_json()
    client.delete(f"/api/v1/person/{ann['id']}", headers=writer)
    drain(api)
    (event,) = [json.loads(body) for _, body in receiver.received]
    assert (event["event"], event["record"]["name"]) == ("delete", "Ann")


def test_a_refused_write_sends_nothing(api, client, writer, receiver):
    add_webhook(api, receiver.url, "person")
    assert client.post("/api/v1/person", json={"score": 1}, headers=writer).status_code == 422
    assert drain(api) == 0 and receiver.received == []


def test_a_removed_subscription_gets_nothing(api, client, writer, receiver):
    hook_id, _ = add_webhook(api, receiver.url, "person")
    client.post("/api/v1/person", json={"name": "Ann"}, headers=writer)
    remove_webhook(api, hook_id)
    drain(api)
    assert receiver.received == []


def test_many_creates_in_one_transaction_each_queue_a_delivery(api, receiver):
    from trellis.data.records import records_for

    add_webhook(api, receiver.url, "person", ["create"])
    with api.app_context():
        records_for(api).create_many("person", [{"name": "Ann"}, {"name": "Bob"}, {"name": "Cy"}])
    assert drain(api) == 3
    assert sorted(json.loads(body)["record"]["name"] for _, body in receiver.received) == ["Ann", "Bob", "Cy"]


def test_a_subscription_added_inside_a_transaction_gets_its_later_events(api, receiver):
    from trellis.data.records import records_for
    from trellis.data.unit import unit_of_work

    with api.app_context(), unit_of_work(api):
        records = records_for(api)
        records.create("person", {"name": "Before"})
        add_webhook(api, receiver.url, "person", ["create"])
        records.create("person", {"name": "After"})
    drain(api)
    assert [json.loads(body)["record"]["name"] for _, body in receiver.received] == ["After"]


def test_a_subscription_another_process_adds_is_seen_by_the_next_transaction(api, receiver):
    from datetime import UTC, datetime

    from sqlalchemy import insert
    from trellis.data.records import records_for
    from trellis.data.unit import unit_of_work
    from trellis.runtime import runtime

    table = runtime(api).tables.api.webhooks
    with api.app_context():
        records_for(api).create("person", {"name": "Ann"})
        with unit_of_work(api) as connection:  # as another app server would: straight into the table
            connection.execute(insert(table).values(url=receiver.url, entity="person", events='["create"]',
                                                    secret="s", active=True, created_at=datetime.now(UTC)))
        records_for(api).create("person", {"name": "Bob"})
    drain(api)
    assert [json.loads(body)["record"]["name"] for _, body in receiver.received] == ["Bob"]


def test_a_subscription_to_an_unknown_entity_is_refused(api, receiver):
    with pytest.raises(ValueError, match="no entity 'spaceship'"):
        add_webhook(api, receiver.url, "spaceship")


def invoke(app, *args):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo
    from trellis.cli import cli

    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_the_webhook_command_adds_lists_and_removes(api, client, writer, receiver):
    added = invoke(api, "webhook", "add", receiver.url, "person", "--events", "create")
    assert added.exit_code == 0, added.output
    secret = added.output.strip().splitlines()[-1]
    client.post("/api/v1/person", json={"name": "Ann"}, headers=writer)
    drain(api)
    assert verified(secret, *receiver.received[0])
    listed = invoke(api, "webhook", "list").output
    assert "#1 active person create" in listed and "last: 200" in listed
    assert invoke(api, "webhook", "remove", "1").exit_code == 0
    assert "#1 removed" in invoke(api, "webhook", "list").output


def test_the_webhook_command_refuses_an_unknown_event(api, receiver):
    result = invoke(api, "webhook", "add", receiver.url, "person", "--events", "explode")
    assert result.exit_code == 1 and "events must be some of" in result.output
