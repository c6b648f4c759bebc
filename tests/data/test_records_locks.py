"""Locks, system writes and after_delete through the REST API, with requests in parallel threads.

A test plugin keeps a wallet: ``spend`` records lower their ``account``'s read-only
balance through ``context.system`` after locking the account, and refuse (a
ValidationError on ``amount``) a spend the balance cannot cover; a ``redemption``
uses up a single-use ``code``. The API's users may create spends but never touch
the ``ledger`` the plugin writes. Served by a real threaded HTTP server, so that
every request has its own connection and transaction.
"""

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from trellis import ValidationError, hookimpl
from trellis.data.database import db
from trellis.data.records import records_for
from trellis.testing.api import api_app, bearer, new_user
from trellis.testing.web import signed_in_client

ENTITIES = {
    "account": """
entity: account
title: name
fields:
  name:    {type: string, required: true}
  balance: {type: integer, readonly: true, default: 0}
  spent:   {type: integer, rollup: {from: spend.account, sum: amount}}
""",
    "spend": """
entity: spend
fields:
  account: {type: link, to: account, required: true, on_delete: cascade}
  amount:  {type: integer, required: true, min: 1}
""",
    "code": """
entity: code
title: code
fields:
  code: {type: string, required: true, unique: true}
  used: {type: boolean, readonly: true, default: false}
""",
    "redemption": """
entity: redemption
fields:
  code: {type: link, to: code, required: true}
""",
    "ledger": """
entity: ledger
fields:
  account: {type: integer}
  amount:  {type: integer}
""",
}

ROLES = """
roles:
  clerk:
    account: {read: all}
    spend: {read: all, create: true, write: all, delete: all}
    code: {read: all}
    redemption: {read: all, create: true}
"""


class Wallet:
    """The plugin under test; ``deleted`` records (entity, id, operation) of every after_delete."""

    name = "wallet"

    def __init__(self):
        self.deleted = []

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity == "spend" and record.id is None:
            account = context.system.lock("account", record["account"])
            if account["balance"] < record["amount"]:
                raise ValidationError({"amount": f"is more than the balance ({account['balance']})"})
            context.system.update("account", account.id, {"balance": account["balance"] - record["amount"]})
        if record.entity == "redemption":
            code = context.system.lock("code", record["code"])
            if code["used"]:
                raise ValidationError({"code": "has already been used"})
            context.system.update("code", code.id, {"used": True})

    @hookimpl
    def after_save(self, record, changes, context):
        if record.entity == "spend" and "amount" in changes:
            context.system.create("ledger", {"account": record["account"], "amount": -record["amount"]})

    @hookimpl
    def after_delete(self, record, context):
        self.deleted.append((record.entity, record.id, context.operation))


def write_world(org_dir) -> None:
    """The wallet's entities and the clerk role in ``org_dir/metadata``."""
    metadata = Path(org_dir) / "metadata"
    (metadata / "entities").mkdir(parents=True, exist_ok=True)
    for name, text in ENTITIES.items():
        (metadata / "entities" / f"{name}.yaml").write_text(text, encoding="utf-8")
    (metadata / "roles.yaml").write_text(ROLES, encoding="utf-8")


@pytest.fixture
def wallet():
    return Wallet()


@pytest.fixture
def served(trellis_config, wallet):
    """``(app, base URL, clerk's headers)`` of the wallet world on a threaded HTTP server."""
    from werkzeug.serving import make_server

    write_world(trellis_config["ORG_DIR"])
    app = api_app({**trellis_config, "PLUGINS": [], "EXTRA_PLUGINS": [wallet], "API_RATE_LIMIT": "10000/minute"})
    headers = bearer(app, new_user(app, "clerk@example.com", role="clerk"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", headers
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def call(method: str, url: str, headers: dict, body: dict | None = None) -> tuple[int, dict]:
    """``(status, JSON body)`` of one HTTP request."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def in_parallel(count: int, work) -> list:
    """``work()`` in ``count`` threads started together; their results."""
    results = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def system(app):
    return records_for(app)


def test_twenty_parallel_spends_of_60_from_100_let_exactly_one_through(served):
    app, base, headers = served
    with app.app_context():
        account = system(app).as_system("setup").create("account", {"name": "Ann", "balance": 100})
    results = in_parallel(20, lambda: call("POST", f"{base}/api/v1/spend", headers,
                                           {"account": account.id, "amount": 60}))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [422] * 19, results
    refused = [body["error"] for status, body in results if status == 422]
    assert all(error["code"] == "validation_failed" and "amount" in error["fields"] for error in refused)
    with app.app_context():
        assert system(app).get("account", account.id)["balance"] == 40
        assert system(app).query("spend").count()[0] == 1
        assert [row["amount"] for row in list(system(app).query("ledger").iterate())] == [-60]


def test_fifty_parallel_redemptions_of_one_code_let_exactly_one_through(served):
    app, base, headers = served
    with app.app_context():
        code = system(app).create("code", {"code": "WELCOME"})
    results = in_parallel(50, lambda: call("POST", f"{base}/api/v1/redemption", headers, {"code": code.id}))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [422] * 49, results
    assert all(body["error"]["fields"] == {"code": "has already been used"}
               for status, body in results if status == 422)
    with app.app_context():
        assert system(app).get("code", code.id)["used"] is True
        assert system(app).query("redemption").count()[0] == 1


def test_a_hook_writes_what_the_user_may_not_through_context_system_and_history_names_the_plugin(served):
    app, base, headers = served
    with app.app_context():
        account = system(app).as_system("setup").create("account", {"name": "Ann", "balance": 100})
    assert call("POST", f"{base}/api/v1/ledger", headers, {"amount": 1})[0] == 403  # the clerk may not
    assert call("PATCH", f"{base}/api/v1/account/{account.id}", headers, {"name": "Bob"})[0] == 403
    status, spend = call("POST", f"{base}/api/v1/spend", headers, {"account": account.id, "amount": 30})
    assert status == 201, spend
    with app.app_context():
        ledger = list(system(app).query("ledger").iterate())
        assert [row["amount"] for row in ledger] == [-30]
        changes = system(app).history("ledger", ledger[0]["id"])
        assert {c.actor for c in changes} == {"wallet"} and {c.user_id for c in changes} == {None}
        balance = [c for c in system(app).history("account", account.id) if c.field == "balance"]
        assert [(c.old, c.new, c.actor) for c in balance] == [(None, 100, "setup"), (100, 70, "wallet")]
    # The API shows it too; the clerk's own write names no plugin.
    status, history = call("GET", f"{base}/api/v1/account/{account.id}/history", headers)
    assert status == 200 and [row["actor"] for row in history["data"] if row["field"] == "balance"][-1] == "wallet"
    status, history = call("GET", f"{base}/api/v1/spend/{spend['id']}/history", headers)
    assert {row["actor"] for row in history["data"]} == {None}
    # The record page's timeline names the plugin for its change of the balance.
    page = signed_in_client(app).get(f"/app/account/{account.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert '<span class="who"><bdi>wallet</bdi></span>' in timeline
    assert '<span class="who"><bdi>setup</bdi></span>' in timeline


def test_readonly_fields_are_refused_to_users_and_to_plain_system_writes(served):
    app, base, headers = served
    status, body = call("POST", f"{base}/api/v1/account", headers, {"name": "Ann", "balance": 5})
    assert status == 403  # the clerk may not create accounts at all
    with app.app_context():
        with pytest.raises(ValidationError) as e:
            system(app).create("account", {"name": "Ann", "balance": 5})
        assert "cannot be set" in e.value.fields["balance"]
        assert system(app).as_system("setup").create("account", {"name": "Ann", "balance": 5})["balance"] == 5


def test_after_delete_runs_for_the_record_and_with_operation_cascade_for_its_children(served, wallet):
    app, base, headers = served
    with app.app_context():
        account = system(app).as_system("setup").create("account", {"name": "Ann", "balance": 100})
    spends = [call("POST", f"{base}/api/v1/spend", headers, {"account": account.id, "amount": 10})[1]["id"]
              for _ in range(2)]
    assert call("DELETE", f"{base}/api/v1/spend/{spends[0]}", headers)[0] == 204
    assert wallet.deleted == [("spend", spends[0], "api")]
    with app.app_context():
        system(app).delete("account", account.id)
        assert system(app).query("spend").count()[0] == 0
    assert wallet.deleted[1:] == [("spend", spends[1], "cascade"), ("account", account.id, "system")]



def test_a_lock_clash_before_any_hook_ran_is_retried_and_after_one_ran_is_not(served, monkeypatch):
    import sqlalchemy.exc
    from trellis import PluginError
    from trellis.data.records import RecordService

    app, base, headers = served
    real = RecordService._take_locks
    calls = []
    clash_at = []

    def clashing(self, connection, meta, ids):
        calls.append(meta.name)
        if len(calls) in clash_at:
            raise sqlalchemy.exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return real(self, connection, meta, ids)

    monkeypatch.setattr(RecordService, "_take_locks", clashing)
    with app.app_context():
        account = system(app).as_system("setup").create("account", {"name": "Ann", "balance": 100})
    # 1: the spend's roll-up parent (before before_save) clashes: the whole unit runs again.
    calls.clear()
    clash_at[:] = [1]
    assert call("POST", f"{base}/api/v1/spend", headers, {"account": account.id, "amount": 10})[0] == 201
    assert calls == ["account"] * 3  # clash; then the roll-up parent and the hook's lock
    # 2: the hook's own lock clashes after before_save began: not retried, nothing written.
    calls.clear()
    clash_at[:] = [2]
    with app.app_context():
        with pytest.raises(PluginError):
            records_for(app, 1).create("spend", {"account": account.id, "amount": 10})
        assert system(app).get("account", account.id)["balance"] == 90
        assert system(app).get("account", account.id)["spent"] == 10
        assert system(app).query("spend").count()[0] == 1
