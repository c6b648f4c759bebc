"""Finding 3 (security round 2): quick search does not match on fields the viewer may not see.

``?q=`` searched a column built from every search field; a hidden email was recovered
one character at a time. A viewer with hidden search fields searches the visible ones only.
"""

import pytest
from trellis.data.records import records_for
from trellis.security.accounts import create_user, load_account

ROLES = """
roles:
  receptionist:
    contact: {read: all, create: false, write: none, delete: none, fields: {email: none}}
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    (Path(trellis_config["ORG_DIR"]) / "metadata" / "roles.yaml").write_text(ROLES)
    return trellis_config


def _search(app, role, term):
    import secrets

    with app.app_context():
        account = create_user(app, f"{role}.{secrets.token_hex(4)}@example.com", None, role=role)
        viewer = records_for(app, load_account(app, account.id), channel="ui")
        return [row["last_name"] for row in viewer.query("contact").search(term).page().rows]


@pytest.fixture
def ann(trellis_app):
    with trellis_app.app_context():
        records_for(trellis_app).create("contact", {"first_name": "Ann", "last_name": "Zebra",
                                                    "email": "secret.lover@example.com"})


def test_a_hidden_field_is_not_searched(trellis_app, ann):
    assert _search(trellis_app, "receptionist", "secret.lover") == []
    assert _search(trellis_app, "receptionist", "lov") == []


def test_visible_fields_are_still_searched(trellis_app, ann):
    assert _search(trellis_app, "receptionist", "zebr") == ["Zebra"]
    assert _search(trellis_app, "receptionist", "ann zebra") == ["Zebra"]


def test_a_viewer_who_sees_every_field_still_finds_by_email(trellis_app, ann):
    assert _search(trellis_app, "contacts_manager", "secret.lover") == ["Zebra"]
