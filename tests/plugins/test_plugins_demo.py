"""``trellis demo`` fills an empty database from each plugin's ``demo_data`` hook, once."""

import pytest
from trellis.demo import prepare


@pytest.fixture
def trellis_config(trellis_config):
    """Only the contacts plugin, whose demo data these tests count."""
    return {**trellis_config, "PLUGINS": ["contacts"]}


def test_demo_preparation_loads_the_plugins_demo_data(app, records):
    lines = list(prepare(app))
    assert any(line.startswith("Demo data loaded:") and "30 contact" in line for line in lines)
    assert records.query("contact").count()[0] == 30


def test_demo_preparation_does_not_load_twice(app, records):
    list(prepare(app))
    lines = list(prepare(app))
    assert "Demo data already loaded (use --reset to start afresh)" in lines
    assert records.query("contact").count()[0] == 30


def test_demo_preparation_leaves_a_database_with_records_alone(app, records):
    records.create("company", {"name": "Ours"})
    list(prepare(app))
    assert records.query("company").count()[0] == 1


def test_every_role_has_a_demo_user_who_signs_in_to_a_home_page_with_something_due(app):
    from trellis.security.demo_admin import demo_password
    from trellis.testing.web import login

    lines = list(prepare(app))
    password = demo_password(app)
    assert f"Demo users, one per role (password {password}):" in lines
    for role, email in (("contacts_manager", "contacts.manager@example.com"),
                        ("contacts_user", "contacts.user@example.com")):
        assert any(line.split() == [email, role] for line in lines), lines
        client = app.test_client()
        assert login(client, email, password).status_code == 302
        home = client.get("/").get_data(as_text=True)
        assert 'class="activities today"' in home, email     # the demo assigned them an activity due today
        assert "Nothing due today." not in home


def test_running_the_demo_again_keeps_its_users(app, records):
    list(prepare(app))
    users = records.query("user").count()[0]
    list(prepare(app))
    assert records.query("user").count()[0] == users == 3   # the administrator and one user per role
