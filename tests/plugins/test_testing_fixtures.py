"""The role and browser fixtures ``trellis.testing`` gives plugin authors: ``client_as``, ``records_as``,
``browser_page``; on a small organisation of its own (a ticket entity, an agent and a viewer role)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from trellis.errors import PermissionDenied
from trellis.testing.fixtures import browser_skip_reason
from trellis.testing.web import post

TICKET = """
entity: ticket
title: subject
fields:
  subject: {type: string, required: true}
"""

ROLES = """
roles:
  agent:
    ticket: {read: all, create: true, write: own, delete: none}
  viewer:
    ticket: {read: all, create: false, write: none, delete: none}
"""


@pytest.fixture
def trellis_config(trellis_config):
    metadata = Path(trellis_config["ORG_DIR"]) / "metadata"
    (metadata / "entities").mkdir(parents=True, exist_ok=True)
    (metadata / "entities" / "ticket.yaml").write_text(TICKET, encoding="utf-8")
    (metadata / "roles.yaml").write_text(ROLES, encoding="utf-8")
    return {**trellis_config, "PLUGINS": []}


def test_client_as_signs_a_new_user_with_the_role_in(client_as):
    agent, admin = client_as("agent"), client_as("admin")
    assert agent.get("/app/ticket").status_code == 200
    assert agent.get("/admin/").status_code == 404
    assert admin.get("/admin/").status_code == 200
    assert agent.user_id != admin.user_id


def test_a_client_as_a_role_writes_through_the_form_as_that_user(client_as, records):
    agent = client_as("agent")
    answer = post(agent, "/app/ticket/new", {"subject": "Printer on fire"}, form_page="/app/ticket/new")
    assert answer.status_code == 302
    [ticket] = records.query("ticket").page().rows
    assert (ticket["subject"], ticket.created_by) == ("Printer on fire", agent.user_id)


def test_a_client_as_a_role_that_may_not_create_is_refused(client_as, records):
    viewer = client_as("viewer")
    answer = post(viewer, "/app/ticket/new", {"subject": "Nope"}, form_page="/app/ticket")
    assert answer.status_code in (403, 404)
    assert records.query("ticket").page().rows == []


def test_records_as_a_role_is_limited_by_the_role(records_as):
    ann, bob, viewer = records_as("agent"), records_as("agent"), records_as("viewer")
    ticket = ann.create("ticket", {"subject": "Mine"})
    assert ticket.created_by == ann.user.id != bob.user.id
    with pytest.raises(PermissionDenied):
        bob.update("ticket", ticket.id, {"subject": "Yours now"})
    with pytest.raises(PermissionDenied):
        viewer.create("ticket", {"subject": "Not allowed"})
    assert viewer.get("ticket", ticket.id)["subject"] == "Mine"


def test_an_unknown_role_is_a_clear_error(client_as):
    with pytest.raises(ValueError, match="nobody"):
        client_as("nobody")


def test_browser_page_signs_in_and_shows_the_list(browser_page, records):
    records.create("ticket", {"subject": "Printer on fire"})
    browser_page.sign_in("agent")
    browser_page.goto("/app/ticket")
    assert "Printer on fire" in browser_page.content()


def test_without_chromium_browser_page_skips_saying_why(tmp_path):
    (tmp_path / "test_probe.py").write_text(textwrap.dedent("""
        def test_probe(browser_page):
            raise AssertionError("ran without a browser")
    """), encoding="utf-8")
    env = {**os.environ, "TRELLIS_CHROMIUM": str(tmp_path / "no-chromium")}
    env.pop("TRELLIS_TEST_POSTGRES", None)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "test_probe.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "ran without a browser" not in out.stdout
    assert f"Chromium not found at {tmp_path / 'no-chromium'}" in out.stdout, out.stdout + out.stderr
    assert "2 skipped" in out.stdout


def test_the_skip_reason_names_what_is_missing(monkeypatch, tmp_path):
    import trellis.testing.browser as browser

    monkeypatch.setattr(browser, "CHROMIUM", str(tmp_path / "nowhere"))
    assert browser_skip_reason() in (
        f"browser test skipped: Chromium not found at {tmp_path / 'nowhere'} (apt install chromium)",
        "browser test skipped: the playwright package is not installed (pip install playwright)",
    )
