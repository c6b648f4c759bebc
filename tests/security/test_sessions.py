"""Several devices per user: Preferences -> Sessions lists them and signs one (or all) out, with CSRF."""

import re

import pytest
from trellis.security.accounts import create_user
from trellis.testing.web import login, post

PASSWORD = "correct horse battery"


@pytest.fixture
def ann(app):
    with app.app_context():
        return create_user(app, "ann@example.com", PASSWORD, role="admin", name="Ann Admin")


def _device(app, agent):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    login(client, "ann@example.com", PASSWORD)
    return client


def _handles(page: str) -> list[str]:
    return re.findall(r'action="/preferences/sessions/([0-9a-f]{64})/end"', page)


def test_the_sessions_page_lists_each_device_and_marks_this_browser(app, ann):
    laptop, phone = _device(app, "Laptop Firefox"), _device(app, "Phone Safari")
    page = laptop.get("/preferences/sessions/").get_data(as_text=True)
    assert "Laptop Firefox" in page and "Phone Safari" in page
    assert re.search(r"Laptop Firefox</bdi> <strong>\(this browser\)", page)
    assert len(_handles(page)) == 2
    assert phone.get("/").status_code == 200


def test_signing_out_one_device_leaves_the_others_signed_in(app, ann):
    laptop, phone, tablet = _device(app, "Laptop"), _device(app, "Phone"), _device(app, "Tablet")
    page = laptop.get("/preferences/sessions/").get_data(as_text=True)
    phone_handle = re.search(r"<bdi>Phone</bdi>.*?/preferences/sessions/([0-9a-f]{64})/end", page, re.S).group(1)
    r = post(laptop, f"/preferences/sessions/{phone_handle}/end", form_page="/preferences/sessions/")
    assert r.status_code == 302
    assert phone.get("/").status_code == 302                 # sent to the login page
    assert laptop.get("/").status_code == 200 and tablet.get("/").status_code == 200
    assert "Phone" not in laptop.get("/preferences/sessions/").get_data(as_text=True).replace("Phone Safari", "")


def test_signing_out_a_device_needs_the_csrf_token(app, ann):
    laptop, phone = _device(app, "Laptop"), _device(app, "Phone")
    handles = _handles(laptop.get("/preferences/sessions/").get_data(as_text=True))
    for handle in handles:
        assert laptop.post(f"/preferences/sessions/{handle}/end").status_code == 400
    assert laptop.get("/").status_code == 200 and phone.get("/").status_code == 200


def test_another_users_session_cannot_be_ended(app, ann):
    with app.app_context():
        create_user(app, "bob@example.com", PASSWORD, role="admin", name="Bob")
    bob = app.test_client()
    login(bob, "bob@example.com", PASSWORD)
    laptop = _device(app, "Laptop")
    [handle] = _handles(laptop.get("/preferences/sessions/").get_data(as_text=True))
    r = post(bob, f"/preferences/sessions/{handle}/end", form_page="/preferences/sessions/")
    assert r.status_code == 404
    assert laptop.get("/").status_code == 200


def test_signing_out_here_ends_only_this_device(app, ann):
    laptop, phone = _device(app, "Laptop"), _device(app, "Phone")
    post(laptop, "/logout")
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_signing_out_everywhere_ends_every_device(app, ann):
    laptop, phone = _device(app, "Laptop"), _device(app, "Phone")
    r = post(laptop, "/preferences/sessions/end-all", form_page="/preferences/sessions/")
    assert r.status_code == 302
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302


def test_a_new_password_signs_the_other_devices_out(app, ann):
    laptop, phone = _device(app, "Laptop"), _device(app, "Phone")
    r = post(laptop, "/preferences/password", {"current_password": PASSWORD, "new_password": "a brand new passphrase",
                                                "new_password_again": "a brand new passphrase"},
             form_page="/preferences")
    assert r.status_code == 302
    assert laptop.get("/").status_code == 200 and phone.get("/").status_code == 302
