"""Signing in and out: passwords, the session cookie, CSRF, `trellis user add` and the demo admin."""

import pytest
from trellis.security.accounts import AccountError, create_user
from trellis.testing.web import csrf_token, login, post

PASSWORD = "correct horse battery"


@pytest.fixture
def ann(app):
    with app.app_context():
        return create_user(app, "ann@example.com", PASSWORD, role="admin", name="Ann Admin")


def test_a_page_sends_an_anonymous_visitor_to_the_login_page(client):
    r = client.get("/app/contact")
    assert r.status_code == 302
    assert r.location.startswith("/login?next=/app/contact")


def test_healthz_and_the_login_page_need_no_login(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200


def test_a_user_signs_in_with_the_right_password_and_sees_the_home_page(client, ann):
    r = login(client, "ann@example.com", PASSWORD)
    assert r.status_code == 302
    assert "Ann Admin" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, ann):
    r = login(client, "ann@example.com", "not the password")
    assert r.status_code == 401
    assert "Wrong email or password" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, ann):
    r = login(client, "nobody@example.com", PASSWORD)
    assert r.status_code == 401
    assert "Wrong email or password" in r.get_data(as_text=True)


def test_the_password_is_stored_as_an_scrypt_hash(app, ann):
    from sqlalchemy import select
    from trellis.data.database import db
    from trellis.security.accounts import credentials

    with app.app_context():
        stored = db.session.execute(select(credentials(app).c.password_hash)).scalar()
    assert stored.startswith("scrypt:1024:8:1$")  # the test suite's cost (trellis.testing sets it)
    assert PASSWORD not in stored


def test_new_hashes_use_werkzeugs_scrypt_cost_unless_lowered_within_bounds(tmp_path):
    from trellis.app import create_app
    from trellis.config import SettingsError
    from trellis.security.accounts import hash_method

    (tmp_path / "metadata").mkdir()
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "ORG_DIR": str(tmp_path), "SECRET_KEY": "k"}
    assert hash_method(create_app(base)) == "scrypt:32768:8:1"
    for wrong in ("512", "3000", "99999999999"):
        with pytest.raises(SettingsError, match="PASSWORD_SCRYPT_COST"):
            create_app({**base, "PASSWORD_SCRYPT_COST": wrong})


def test_a_post_without_the_csrf_token_is_refused(client, ann):
    r = client.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site_lax(client, ann):
    r = login(client, "ann@example.com", PASSWORD)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_the_request_came_over_https(client, ann):
    token = csrf_token(client)
    r = client.post("/login", data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": token},
                    base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    assert r.status_code == 302
    assert "Secure" in r.headers["Set-Cookie"]


def test_a_cookie_from_before_logout_no_longer_signs_in(app, client, ann):
    login(client, "ann@example.com", PASSWORD)
    stolen = client.get_cookie("session").value
    post(client, "/logout")
    assert client.get("/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302


def test_signing_in_on_a_second_device_keeps_the_first_signed_in(app, client, ann):
    login(client, "ann@example.com", PASSWORD)
    other = app.test_client()
    login(other, "ann@example.com", PASSWORD)
    assert other.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_with_single_session_signing_in_again_ends_the_older_session(app, client, ann):
    app.config["SINGLE_SESSION"] = True
    login(client, "ann@example.com", PASSWORD)
    other = app.test_client()
    login(other, "ann@example.com", PASSWORD)
    assert other.get("/").status_code == 200
    assert client.get("/").status_code == 302


def test_login_sends_the_user_back_to_the_page_asked_for_but_never_off_site(client, ann):
    token = csrf_token(client)
    r = client.post("/login?next=/app/contact", data={"email": "ann@example.com", "password": PASSWORD,
                                                      "csrf_token": token})
    assert r.location == "/app/contact"
    post(client, "/logout")
    token = csrf_token(client)
    r = client.post("/login?next=//evil.example/", data={"email": "ann@example.com", "password": PASSWORD,
                                                        "csrf_token": token})
    assert r.location == "/"


def test_an_inactive_user_cannot_sign_in(app, client, ann, records):
    records.update("user", ann.id, {"active": False})
    assert login(client, "ann@example.com", PASSWORD).status_code == 401
    assert client.get("/").status_code == 302


def test_an_unknown_role_is_refused_with_the_known_ones(app):
    with app.app_context(), pytest.raises(AccountError, match="known roles: .*admin"):
        create_user(app, "bob@example.com", PASSWORD, role="wizard")


def test_trellis_user_add_creates_a_user_who_can_sign_in(app, client):
    runner = app.test_cli_runner()
    from trellis.cli import cli

    r = runner.invoke(cli, ["user", "add", "carol@example.com", "--role", "contacts_user", "--name", "Carol",
                            "--password-stdin"], input="long enough password\n")
    assert r.exit_code == 0, r.output
    assert "Created user carol@example.com" in r.output
    assert login(client, "carol@example.com", "long enough password").status_code == 302


def test_trellis_user_add_refuses_an_unknown_role(app):
    from trellis.cli import cli

    r = app.test_cli_runner().invoke(cli, ["user", "add", "d@example.com", "--role", "wizard", "--password-stdin"],
                                     input="long enough password\n")
    assert r.exit_code == 1
    assert "unknown role 'wizard'" in r.output


def test_the_demo_prints_an_admin_login_that_works_and_the_same_one_next_time(app, client):
    from trellis.security.demo_admin import demo_admin

    first = list(demo_admin(app))
    again = list(demo_admin(app))
    assert first == again
    email, password = first[0].removeprefix("Admin login: ").split(" / ")
    assert login(client, email, password).status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "at least 10 characters"),
        ("password123", "one of the most common ones"),
        ("Ann@Example.com", "must not be the email address"),
    ],
)
def test_a_weak_password_is_refused_and_no_user_is_created(app, password, message):
    from trellis.security.accounts import AccountError, create_user

    with app.app_context():
        with pytest.raises(AccountError, match=message):
            create_user(app, "ann@example.com", password, role="admin")
        from trellis.data.records import records_for

        assert records_for(app).query("user").filter(email="ann@example.com").count()[0] == 0
