"""Users in the UI: an invitation email reaches a real SMTP server (aiosmtpd), its link sets a password
once and the new user signs in; roles, deactivation and two-step reset from /admin/users; no generic
/app/user/new form."""

import re
import socket

import pytest
from trellis.testing.web import login, post, signed_in_client


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    controller_module = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}?from=crm@example.com"
    yield inbox
    controller.stop()


@pytest.fixture
def trellis_config(trellis_config, smtp):
    return {**trellis_config, "SMTP_URL": smtp.url}


@pytest.fixture
def admin(app):
    return signed_in_client(app)


def invite(admin, email="nina@example.com", role="contacts_user"):
    return post(admin, "/admin/users/invite", {"email": email, "name": "Nina", "role": role},
                form_page="/admin/users")


def invitation_link(app, smtp) -> str:
    from trellis.automation.jobs import drain

    drain(app)
    [message] = smtp.messages
    assert message["To"] == "nina@example.com" and "invited" in message["Subject"]
    return re.search(r"https?://\S+/welcome/\S+", message.get_content()).group(0)


def test_an_invitation_arrives_by_email_and_its_link_sets_the_password_once(app, admin, smtp, records):
    r = invite(admin)
    assert r.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "nina@example.com" in page and "Invited" in page
    path = "/welcome/" + invitation_link(app, smtp).split("/welcome/", 1)[1]
    newcomer = app.test_client()
    assert newcomer.get(path).status_code == 200
    refused = post(newcomer, path, {"password": "short", "confirm": "short"}, form_page=path)
    assert refused.status_code == 422
    r = post(newcomer, path, {"password": "a long new password", "confirm": "a long new password"}, form_page=path)
    assert r.status_code == 302 and r.location.endswith("/login")
    assert login(newcomer, "nina@example.com", "a long new password").status_code == 302
    assert newcomer.get("/app/contact").status_code == 200          # signed in, with the role given
    assert app.test_client().get(path).status_code == 410          # the link worked once


def test_a_tampered_or_expired_link_sets_nothing(app, admin, smtp):
    invite(admin)
    link = invitation_link(app, smtp)
    path = "/welcome/" + link.split("/welcome/", 1)[1]
    assert app.test_client().get(path[:-2] + "xx").status_code == 410
    app.config["INVITE_HOURS"] = -1
    assert app.test_client().get(path).status_code == 410


def test_a_duplicate_or_unknown_role_invitation_is_refused_with_the_reason(app, admin, smtp):
    r = post(admin, "/admin/users/invite", {"email": "nina@example.com", "role": "wizard"},
             form_page="/admin/users", follow_redirects=True)
    assert "unknown role" in r.get_data(as_text=True)
    assert not smtp.messages


def test_deactivated_users_cannot_sign_in_until_reactivated(app, admin, records):
    from trellis.security.accounts import create_user

    with app.app_context():
        user = create_user(app, "ola@example.com", "ola long password", role="contacts_user")
    post(admin, f"/admin/users/{user.id}/active", {"active": "0"}, form_page="/admin/users")
    assert login(app.test_client(), "ola@example.com", "ola long password").status_code != 302
    post(admin, f"/admin/users/{user.id}/active", {"active": "1"}, form_page="/admin/users")
    assert login(app.test_client(), "ola@example.com", "ola long password").status_code == 302


def test_a_role_change_applies_and_non_administrators_cannot_reach_these_pages(app, admin, records):
    from trellis.security.accounts import create_user

    with app.app_context():
        user = create_user(app, "ola@example.com", "ola long password", role="contacts_user")
    post(admin, f"/admin/users/{user.id}/role", {"role": "admin"}, form_page="/admin/users")
    ola = app.test_client()
    login(ola, "ola@example.com", "ola long password")
    assert ola.get("/admin/users").status_code == 200
    clerk = signed_in_client(app, "clerk@example.com", role="contacts_user")
    assert post(clerk, f"/admin/users/{user.id}/active", {"active": "0"}).status_code == 404
    assert post(clerk, "/admin/users/invite", {"email": "x@example.com"}).status_code == 404


def test_the_generic_user_form_is_gone(admin):
    assert admin.get("/app/user/new").location.endswith("/admin/users")
    assert post(admin, "/app/user/new", {"email": "ghost@example.com"}).status_code == 404


def test_an_administrator_turns_a_users_two_step_sign_in_off(app, admin):
    from sqlalchemy import select, update
    from trellis.data.unit import unit_of_work
    from trellis.security.accounts import create_user, credentials

    with app.app_context():
        user = create_user(app, "ola@example.com", "ola long password", role="contacts_user")
    table = credentials(app)
    with unit_of_work(app) as connection:   # as if she had set it up on a phone she then lost
        connection.execute(update(table).where(table.c.user_id == user.id).values(totp_secret="JBSWY3DPEHPK3PXP"))
    assert "Reset two-step sign-in" in admin.get("/admin/users").get_data(as_text=True)
    post(admin, f"/admin/users/{user.id}/two-step-reset", {}, form_page="/admin/users")
    with unit_of_work(app, write=False) as connection:
        assert connection.execute(select(table.c.totp_secret).where(table.c.user_id == user.id)).scalar() is None
    assert login(app.test_client(), "ola@example.com", "ola long password").status_code == 302
