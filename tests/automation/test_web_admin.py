"""The admin pages (automation runs, webhooks, users) and each user's own API tokens page."""

from __future__ import annotations

import re

import pytest
from automation_helpers import build_app, records_of, write_org
from trellis.testing.web import post, signed_in_client

pytestmark = pytest.mark.parametrize("runner", ["inprocess"], indirect=True)

AUTOMATION = {
    "automations/welcome.yaml": """
        automation: welcome
        entity: customer
        trigger: {on: [create]}
        actions:
          - set: {note: "'Welcome, ' + name"}
    """,
    "roles.yaml": """
        roles:
          clerk:
            customer: {read: all, create: true, write: all}
    """,
}
SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


@pytest.fixture
def app(org, base_config):
    write_org(org, AUTOMATION)
    return build_app(base_config)


@pytest.fixture
def admin(app):
    return signed_in_client(app)


@pytest.fixture
def clerk(app):
    return signed_in_client(app, "clerk@example.com", role="clerk", name="Clerk")


def webhook_rows(app):
    from sqlalchemy import select
    from trellis.data.unit import unit_of_work
    from trellis.runtime import runtime

    table = runtime(app).tables.api.webhooks
    with unit_of_work(app, write=False) as connection:
        return [dict(r) for r in connection.execute(select(table).order_by(table.c.id)).mappings()]


def test_an_administrator_sees_each_automation_run_with_its_record(app, admin):
    ann = records_of(app).create("customer", {"name": "Ann"})
    page = admin.get("/admin/automation-runs").get_data(as_text=True)
    assert "welcome" in page and f'href="/app/customer/{ann.id}"' in page and "<td>Done</td>" in page
    assert "<td>Done</td>" not in admin.get("/admin/automation-runs?outcome=failed").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/", "/admin/automation-runs", "/admin/webhooks", "/admin/users"])
def test_the_admin_pages_are_a_404_for_everyone_else(clerk, path):
    assert clerk.get(path).status_code == 404


def test_only_an_administrator_is_offered_the_admin_link(admin, clerk):
    assert 'href="/admin/"' in admin.get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in clerk.get("/").get_data(as_text=True)


def test_a_user_who_may_not_administer_cannot_add_a_webhook(app, clerk):
    answer = post(clerk, "/admin/webhooks", {"url": "https://example.com/hook", "entity": "customer",
                                             "events": "create"})
    assert answer.status_code == 404 and webhook_rows(app) == []


def test_an_administrator_adds_a_webhook_and_sees_its_secret_once(app, admin):
    answer = post(admin, "/admin/webhooks", {"url": "https://example.com/hook", "entity": "customer",
                                             "events": ["create", "update"]})
    assert answer.status_code == 201
    [row] = webhook_rows(app)
    assert SECRET.search(answer.get_data(as_text=True)).group(1) == row["secret"]
    assert (row["url"], row["entity"], row["active"]) == ("https://example.com/hook", "customer", True)
    listing = admin.get("/admin/webhooks").get_data(as_text=True)
    assert "https://example.com/hook" in listing and row["secret"] not in listing


def test_the_webhook_list_shows_each_subscriptions_last_delivery_and_count(app, admin):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert
    from trellis.data.unit import unit_of_work
    from trellis.runtime import runtime

    for url in ("https://one.example.com/hook", "https://two.example.com/hook"):
        post(admin, "/admin/webhooks", {"url": url, "entity": "customer", "events": "create"})
    first, second = (row["id"] for row in webhook_rows(app))
    attempts = runtime(app).tables.api.attempts
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with unit_of_work(app) as connection:
        connection.execute(insert(attempts), [
            {"webhook_id": hook, "event": "create", "status_code": code, "error": error,
             "at": start + timedelta(minutes=n)}
            for n, (hook, code, error) in enumerate([(first, 500, None), (first, 204, None),
                                                      (second, None, "connection refused"), (first, 502, None)])])
    rows = re.findall(r"<tr>.*?</tr>", admin.get("/admin/webhooks").get_data(as_text=True), re.S)
    one = next(row for row in rows if "one.example.com" in row)
    two = next(row for row in rows if "two.example.com" in row)
    assert "502" in one and "(3)" in one and "204" not in one
    assert "connection refused" in two and "(1)" in two


def test_a_webhook_with_a_bad_url_is_refused_with_the_reason_and_not_stored(app, admin):
    answer = post(admin, "/admin/webhooks", {"url": "ftp://example.com", "entity": "customer", "events": "create"})
    assert answer.status_code == 422 and "must be http(s)" in answer.get_data(as_text=True)
    assert webhook_rows(app) == []


def test_an_administrator_removes_a_webhook(app, admin):
    post(admin, "/admin/webhooks", {"url": "https://example.com/hook", "entity": "customer", "events": "create"})
    [row] = webhook_rows(app)
    assert post(admin, f"/admin/webhooks/{row['id']}/remove").status_code == 302
    assert webhook_rows(app)[0]["active"] is False


def test_a_webhook_form_without_the_csrf_token_is_refused(app, admin):
    answer = admin.post("/admin/webhooks", data={"url": "https://example.com/hook", "entity": "customer"})
    assert answer.status_code == 400 and webhook_rows(app) == []


def test_the_users_page_lists_each_user_with_their_roles(admin, clerk):
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "clerk@example.com" in page   # each user's role is the chosen option of their role select
    assert '<option value="clerk" selected>' in page and '<option value="admin" selected>' in page


def test_a_user_makes_a_token_that_works_on_the_api_and_revokes_it(app, clerk):
    answer = post(clerk, "/preferences/tokens/", {"name": "laptop", "scope": "read"})
    assert answer.status_code == 201
    secret = SECRET.search(answer.get_data(as_text=True)).group(1)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/customer", headers=bearer).status_code == 200
    listing = clerk.get("/preferences/tokens/").get_data(as_text=True)
    assert "laptop" in listing and secret not in listing
    token_id = re.search(r"/preferences/tokens/(\d+)/revoke", listing).group(1)
    assert post(clerk, f"/preferences/tokens/{token_id}/revoke").status_code == 302
    assert app.test_client().get("/api/v1/customer", headers=bearer).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(app, admin, clerk):
    secret = SECRET.search(post(admin, "/preferences/tokens/", {"scope": "write"}).get_data(as_text=True)).group(1)
    listing = admin.get("/preferences/tokens/").get_data(as_text=True)
    token_id = re.search(r"/preferences/tokens/(\d+)/revoke", listing).group(1)
    assert post(clerk, f"/preferences/tokens/{token_id}/revoke").status_code == 404
    answer = app.test_client().get("/api/v1/customer", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
