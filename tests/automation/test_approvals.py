"""Workflow approvals through the REST API: a user field's approver, then two of a role (k-of-n); nobody
counts twice, a non-approver is refused, and a rejection stops the transition."""

from __future__ import annotations

import pytest
from trellis.testing.api import bearer

PURCHASE = """\
entity: purchase
fields:
  name: string
  amount: money
  reviewer: user
  status: {type: selection, options: [draft, submitted, approved]}
"""
ROLES = """\
roles:
  buyer: {purchase: {read: all, create: true, write: all}}
  clerk: {purchase: {read: all, create: true, write: all}}
"""
FLOW = """\
workflow: purchase_flow
entity: purchase
field: status
transitions:
  submit: {from: draft, to: submitted}
  approve:
    from: submitted
    to: approved
    approval:
      levels:
        - name: reviewer
          approvers: [{field: reviewer}]
        - name: buyers
          when: "amount > 1000"
          approvers: [{role: buyer}]
          required: 2
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    folder = Path(trellis_config["ORG_DIR"]) / "metadata"
    for name, text in {"purchase.yaml": PURCHASE, "roles.yaml": ROLES, "flow.yaml": FLOW}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return trellis_config


@pytest.fixture
def people(trellis_app):
    """Headers of a reviewer (a clerk), two buyers and a clerk who is no approver."""
    from trellis.security.accounts import create_user

    with trellis_app.app_context():
        ids = {name: create_user(trellis_app, f"{name}@example.com", None, role=role, name=name).id
               for name, role in (("rita", "clerk"), ("bob", "buyer"), ("bea", "buyer"), ("carl", "clerk"))}
    return {name: (user, bearer(trellis_app, user)) for name, user in ids.items()}


def _purchase(app, people, amount):
    client = app.test_client()
    made = client.post("/api/v1/purchase", json={"name": "Chairs", "amount": amount, "reviewer": people["rita"][0]},
                       headers=people["carl"][1])
    assert made.status_code == 201, made.get_json()
    record_id = made.get_json()["id"]
    assert client.post(f"/api/v1/purchase/{record_id}/transitions/submit", headers=people["carl"][1]).status_code == 200
    return record_id


def _approve(app, people, who, record_id):
    return app.test_client().post(f"/api/v1/purchase/{record_id}/transitions/approve", headers=people[who][1])


def _status(app, people, record_id):
    return app.test_client().get(f"/api/v1/purchase/{record_id}", headers=people["carl"][1]).get_json()["status"]


def test_two_of_a_role_must_approve_and_the_same_one_never_counts_twice(trellis_app, people):
    record_id = _purchase(trellis_app, people, 5000)
    assert _approve(trellis_app, people, "bob", record_id).status_code == 403    # the reviewer's step first
    assert _approve(trellis_app, people, "rita", record_id).status_code == 200
    assert _approve(trellis_app, people, "bob", record_id).status_code == 200
    twice = _approve(trellis_app, people, "bob", record_id)
    assert twice.status_code == 422 and "already counted" in twice.get_data(as_text=True)
    assert _status(trellis_app, people, record_id) == "submitted"
    assert _approve(trellis_app, people, "bea", record_id).status_code == 200
    assert _status(trellis_app, people, record_id) == "approved"


def test_a_level_whose_condition_is_false_is_skipped(trellis_app, people):
    record_id = _purchase(trellis_app, people, 200)
    answer = _approve(trellis_app, people, "rita", record_id)
    assert answer.status_code == 200 and answer.get_json()["status"] == "approved"


def test_a_non_approver_is_refused_and_nothing_changes(trellis_app, people):
    record_id = _purchase(trellis_app, people, 5000)
    refused = _approve(trellis_app, people, "carl", record_id)
    assert refused.status_code == 403
    assert _status(trellis_app, people, record_id) == "submitted"
    assert _approve(trellis_app, people, "rita", record_id).status_code == 200   # carl's try counted for nothing


def test_a_rejection_stops_the_transition(trellis_app, people):
    from trellis.data.records import records_for
    from trellis.runtime import runtime

    record_id = _purchase(trellis_app, people, 5000)
    with trellis_app.app_context():
        reviewer = records_for(trellis_app, people["rita"][0], channel="ui")
        runtime(trellis_app).approvals.reject(reviewer, "purchase", record_id, "approve")
    later = _approve(trellis_app, people, "rita", record_id)
    assert later.status_code == 422 and "rejected" in later.get_data(as_text=True)
    assert _status(trellis_app, people, record_id) == "submitted"


def test_a_system_move_closes_the_approval_and_the_page_offers_no_buttons(trellis_app, people, client_as, records):
    record_id = _purchase(trellis_app, people, 5000)
    buyer = client_as("buyer")
    assert "/approval/approve/approve" not in buyer.get(f"/app/purchase/{record_id}").get_data(as_text=True)
    assert _approve(trellis_app, people, "rita", record_id).status_code == 200   # the reviewer's step is done
    assert "/approval/approve/approve" in buyer.get(f"/app/purchase/{record_id}").get_data(as_text=True)
    records.transition("purchase", record_id, "approve")                           # a plugin's or import's move
    page = buyer.get(f"/app/purchase/{record_id}").get_data(as_text=True)
    assert _status(trellis_app, people, record_id) == "approved"
    assert "/approval/approve/approve" not in page and 'data-approval="approve"' not in page


def test_buyers_approving_at_once_move_the_purchase_exactly_once(trellis_config, tmp_path):
    """Four buyers press Approve together on a served app: two count, the purchase moves once."""
    import threading

    from trellis.app import create_app
    from trellis.data.database import db
    from trellis.security.accounts import create_user
    from trellis.testing.templates import migrate_test_database
    from werkzeug.serving import make_server

    app = create_app({**trellis_config, "API_RATE_LIMIT": "10000/minute"})
    migrate_test_database(app, trellis_config["DATABASE_URL"])
    with app.app_context():
        users = {name: create_user(app, f"{name}@example.com", None, role=role, name=name).id
                 for name, role in (("rita", "clerk"), ("carl", "clerk"), *((f"b{n}", "buyer") for n in range(4)))}
    people = {name: (user, bearer(app, user)) for name, user in users.items()}
    record_id = _purchase(app, people, 5000)
    assert _approve(app, people, "rita", record_id).status_code == 200
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answers = _parallel([f"b{n}" for n in range(4)], lambda who: _served_approve(server, people[who][1], record_id))
    finally:
        server.shutdown()
        thread.join()
    assert sorted(answers) == [200, 200, 422, 422]
    assert _status(app, people, record_id) == "approved"
    history = app.test_client().get(f"/api/v1/purchase/{record_id}", headers=people["carl"][1]).get_json()
    assert history["version"] == 3   # created, submitted, approved: one move
    with app.app_context():
        db.engine.dispose()


def _served_approve(server, headers, record_id) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{server.server_port}/api/v1/purchase/{record_id}/transitions/approve",
        data=b"{}", method="POST", headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code


def _parallel(names, work) -> list:
    import threading

    results = {}
    start = threading.Barrier(len(names))

    def run(name):
        start.wait()
        results[name] = work(name)

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return list(results.values())
