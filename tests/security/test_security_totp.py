"""Two-step sign-in (TOTP): turning it on and off under Preferences, the code step after the password,
recovery codes, the limits on guessing, the organisation setting for administrators, and the CLI reset.

Codes are made with pyotp's ``at(for_time)`` against a fixed clock that the app reads from
``runtime(app).totp_clock``: no test sleeps.
"""

import re
import time

import pytest
import sqlalchemy as sa
from trellis.app import create_app
from trellis.cli import cli
from trellis.config import resolve
from trellis.data.database import db
from trellis.errors import SettingsError
from trellis.runtime import runtime
from trellis.security.accounts import MAX_FAILED_LOGINS, create_user
from trellis.security.login_limit import MAX_FAILURES
from trellis.security.totp import RECOVERY_CODES, STEP, code_at
from trellis.testing.web import csrf_token, login, post

EMAIL = "root@example.com"
PASSWORD = "a long enough password"
PAGE = "/preferences/two-step/"
SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
RECOVERY = re.compile(r'<li><code class="secret">([a-z0-9]{5}-[a-z0-9]{5})</code></li>')
TOTP_COLUMNS = {"totp_secret", "totp_pending", "totp_last_step", "totp_recovery", "totp_enabled_at"}


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self):
        return self.now

    def tick(self, steps=1):
        self.now += steps * STEP


def _with_clock(app):
    clock = Clock()
    runtime(app).totp_clock = clock
    with app.app_context():
        create_user(app, EMAIL, PASSWORD, role="admin", name="Root")
    return clock


@pytest.fixture
def clock(app):
    return _with_clock(app)


def password_step(client, password=PASSWORD, address="127.0.0.1", next_page=None):
    path = f"/login?next={next_page}" if next_page else "/login"
    return client.post(path, data={"email": EMAIL, "password": password, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def code_step(client, code, address="127.0.0.1", path="/login/code"):
    return client.post(path, data={"code": code, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def signed_in(app):
    client = app.test_client()
    assert password_step(client).status_code == 302
    return client


def offered_secret(client):
    return SECRET.search(client.get(PAGE).get_data(as_text=True)).group(1).replace(" ", "")


def enrol(client, clock):
    """Turn two-step sign-in on through the page; the clock moves on a step. Returns (secret, recovery codes)."""
    secret = offered_secret(client)
    r = post(client, PAGE + "enable", {"code": code_at(secret, clock.now), "password": PASSWORD}, form_page=PAGE)
    assert r.status_code == 200, r.get_data(as_text=True)
    clock.tick()  # the code just used cannot be used again
    return secret, RECOVERY.findall(r.get_data(as_text=True))


@pytest.fixture
def secret_and_codes(app, clock):
    client = signed_in(app)
    secret, codes = enrol(client, clock)
    post(client, "/logout")
    return secret, codes


@pytest.fixture
def secret(secret_and_codes):
    return secret_and_codes[0]


def is_signed_in(client):
    return client.get("/app/contact").status_code == 200


# Turning it on


def test_the_page_offers_a_secret_and_an_otpauth_address_that_stay_until_confirmed(app, clock):
    client = signed_in(app)
    page = client.get(PAGE).get_data(as_text=True)
    secret = offered_secret(client)
    assert len(secret) == 32
    assert f"otpauth://totp/Trellis:root%40example.com?secret={secret}&amp;issuer=Trellis" in page
    assert offered_secret(client) == secret
    assert 'name="csrf_token"' in page


def test_the_page_shows_the_otpauth_address_as_a_qr_code_to_scan(app, clock):
    import re

    import segno

    client = signed_in(app)
    page = client.get(PAGE).get_data(as_text=True)
    uri = f"otpauth://totp/Trellis:root%40example.com?secret={offered_secret(client)}&issuer=Trellis"
    drawn = re.search(r'<svg[^>]*class="totp-qr".*?</svg>', page, re.S)
    expected = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff", svgclass="totp-qr")
    assert drawn is not None and drawn.group(0) == expected
    assert "root@example.com" not in drawn.group(0) and "<text" not in drawn.group(0)


def test_a_wrong_confirmation_code_does_not_turn_it_on(app, clock):
    client = signed_in(app)
    secret = offered_secret(client)
    wrong = code_at(secret, clock.now - 5 * STEP)
    r = post(client, PAGE + "enable", {"code": wrong, "password": PASSWORD}, form_page=PAGE)
    assert r.status_code == 422 and "Wrong password or code" in r.get_data(as_text=True)
    assert "Off: your password alone" in client.get("/preferences").get_data(as_text=True)
    post(client, "/logout")
    assert password_step(app.test_client()).status_code == 302
    assert is_signed_in(signed_in(app))


def test_a_right_confirmation_code_turns_it_on_and_shows_the_recovery_codes_once(app, clock):
    client = signed_in(app)
    _, codes = enrol(client, clock)
    assert len(codes) == RECOVERY_CODES == len(set(codes))
    page = client.get(PAGE).get_data(as_text=True)
    assert not RECOVERY.findall(page) and f"Unused recovery codes: {RECOVERY_CODES}" in page
    assert "On: a code from your authenticator app" in client.get("/preferences").get_data(as_text=True)


def test_turning_it_on_needs_the_password(app, clock):
    client = signed_in(app)
    secret = offered_secret(client)
    r = post(client, PAGE + "enable", {"code": code_at(secret, clock.now), "password": "not my password"},
             form_page=PAGE)
    assert r.status_code == 422
    assert "Off: your password alone" in client.get("/preferences").get_data(as_text=True)


def test_turning_it_on_needs_the_csrf_token(app, clock):
    client = signed_in(app)
    secret = offered_secret(client)
    r = client.post(PAGE + "enable", data={"code": code_at(secret, clock.now), "password": PASSWORD,
                                           "csrf_token": "forged"})
    assert r.status_code == 400
    assert "Off: your password alone" in client.get("/preferences").get_data(as_text=True)


def test_turning_it_on_ends_the_users_other_sessions(app, clock):
    other = signed_in(app)
    enrol(signed_in(app), clock)
    assert not is_signed_in(other)


# Signing in


def test_the_password_alone_does_not_sign_in(app, secret):
    client = app.test_client()
    r = password_step(client)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/code")
    assert client.get("/app/contact").headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/contact").status_code == 401
    assert client.get("/preferences/tokens/").status_code == 302


def test_a_current_code_signs_in_and_goes_where_the_user_was_going(app, clock, secret):
    client = app.test_client()
    to_code_step = password_step(client, next_page="/app/contact").headers["Location"]
    r = code_step(client, code_at(secret, clock.now), path=to_code_step)
    assert r.status_code == 302 and r.headers["Location"] == "/app/contact"
    assert is_signed_in(client)


@pytest.mark.parametrize("single", [False, True])
def test_the_code_step_starts_a_new_session_and_ends_the_older_ones_only_with_single_session(app, clock, secret,
                                                                                            single):
    app.config["SINGLE_SESSION"] = single
    older = app.test_client()
    password_step(older)
    code_step(older, code_at(secret, clock.now))
    clock.tick()
    client = app.test_client()
    password_step(client)
    half_cookie = client.get_cookie("session").value
    code_step(client, code_at(secret, clock.now))
    assert client.get_cookie("session").value != half_cookie
    assert is_signed_in(client) and is_signed_in(older) is not single


def test_a_code_used_once_is_refused_the_second_time(app, clock, secret):
    client = app.test_client()
    password_step(client)
    code = code_at(secret, clock.now)
    assert code_step(client, code).status_code == 302
    again = app.test_client()
    password_step(again)
    r = code_step(again, code)
    assert r.status_code == 401 and "Wrong code" in r.get_data(as_text=True)
    assert not is_signed_in(again)


@pytest.mark.parametrize("steps", [-1, 1])
def test_a_code_one_step_early_or_late_is_accepted(app, clock, secret, steps):
    clock.tick()  # the step before is not the one used to turn it on
    client = app.test_client()
    password_step(client)
    assert code_step(client, code_at(secret, clock.now + steps * STEP)).status_code == 302


def test_a_code_from_two_steps_ago_is_refused(app, clock, secret):
    client = app.test_client()
    password_step(client)
    assert code_step(client, code_at(secret, clock.now - 2 * STEP)).status_code == 401
    assert not is_signed_in(client)


def test_a_recovery_code_signs_in_once(app, clock, secret_and_codes):
    _, codes = secret_and_codes
    client = app.test_client()
    password_step(client)
    assert code_step(client, codes[3].upper()).status_code == 302
    assert is_signed_in(client)
    again = app.test_client()
    password_step(again)
    assert code_step(again, codes[3]).status_code == 401
    page = client.get(PAGE).get_data(as_text=True)
    assert f"Unused recovery codes: {RECOVERY_CODES - 1}" in page


def test_the_half_sign_in_expires_after_five_minutes(app, clock, secret):
    client = app.test_client()
    password_step(client)
    clock.tick(11)  # 5.5 minutes
    assert client.get("/login/code").headers["Location"].startswith("/login")
    r = code_step(client, code_at(secret, clock.now))
    assert r.status_code == 302 and not r.headers["Location"].startswith("/login/code")
    assert not is_signed_in(client)


def test_the_code_step_without_a_password_first_goes_back_to_the_password(app, clock, secret):
    client = app.test_client()
    r = code_step(client, code_at(secret, clock.now))
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert not is_signed_in(client)


def test_a_code_needs_the_csrf_token(app, clock, secret):
    client = app.test_client()
    password_step(client)
    r = client.post("/login/code", data={"code": code_at(secret, clock.now), "csrf_token": "forged"})
    assert r.status_code == 400 and not is_signed_in(client)


# Guessing codes


def test_wrong_codes_make_the_account_wait_like_wrong_passwords(app, clock, secret):
    client = app.test_client()
    password_step(client)
    for i in range(MAX_FAILED_LOGINS):
        assert code_step(client, f"{i:06d}", address=f"192.0.2.{i + 1}").status_code == 401
    assert code_step(client, code_at(secret, clock.now), address="198.51.100.2").status_code == 401
    assert not is_signed_in(client)
    assert password_step(app.test_client(), address="198.51.100.2").status_code == 401


def test_the_right_password_does_not_end_a_series_of_wrong_codes(app, clock, secret):
    for i in range(MAX_FAILED_LOGINS):
        client = app.test_client()
        password_step(client, address=f"192.0.2.{i + 1}")
        assert code_step(client, f"{i:06d}", address=f"192.0.2.{i + 1}").status_code == 401
    assert password_step(app.test_client(), address="198.51.100.2").status_code == 401


def test_wrong_codes_count_against_the_callers_address(app, clock, secret):
    client = app.test_client()
    password_step(client, address="203.0.113.7")
    for i in range(MAX_FAILURES):
        assert code_step(client, f"{i:06d}", address="203.0.113.7").status_code == 401
    r = code_step(client, code_at(secret, clock.now), address="203.0.113.7")
    assert r.status_code == 429 and not is_signed_in(client)


# Turning it off


@pytest.fixture
def enrolled_client(app, clock, secret):
    client = app.test_client()
    password_step(client)
    assert code_step(client, code_at(secret, clock.now)).status_code == 302
    clock.tick()
    return client


def _disable(client, proof):
    return post(client, PAGE + "disable", {"proof": proof}, form_page=PAGE)


@pytest.mark.parametrize("proof", ["code", "password"])
def test_turning_it_off_with_a_current_code_or_the_password(app, clock, secret, enrolled_client, proof):
    r = _disable(enrolled_client, code_at(secret, clock.now) if proof == "code" else PASSWORD)
    assert r.status_code == 302
    post(enrolled_client, "/logout")
    assert is_signed_in(signed_in(app))


def test_turning_it_off_with_a_wrong_proof_changes_nothing(app, clock, secret, enrolled_client):
    r = _disable(enrolled_client, "not my password")
    assert r.status_code == 422 and "Wrong code or password" in r.get_data(as_text=True)
    client = app.test_client()
    assert password_step(client).headers["Location"].startswith("/login/code")


def test_new_recovery_codes_replace_the_old_ones(app, clock, secret_and_codes, enrolled_client):
    _, old = secret_and_codes
    r = post(enrolled_client, PAGE + "recovery-codes", {"proof": PASSWORD}, form_page=PAGE)
    new = RECOVERY.findall(r.get_data(as_text=True))
    assert r.status_code == 200 and len(new) == RECOVERY_CODES and not set(new) & set(old)
    client = app.test_client()
    password_step(client)
    assert code_step(client, old[0]).status_code == 401
    assert code_step(client, new[0]).status_code == 302


def test_new_recovery_codes_need_a_code_or_the_password(app, clock, secret_and_codes, enrolled_client):
    r = post(enrolled_client, PAGE + "recovery-codes", {"proof": "not my password"}, form_page=PAGE)
    assert r.status_code == 422 and not RECOVERY.findall(r.get_data(as_text=True))
    client = app.test_client()
    password_step(client)
    assert code_step(client, secret_and_codes[1][0]).status_code == 302


def test_a_code_that_proved_the_user_on_the_preferences_page_cannot_sign_in_again(app, clock, secret,
                                                                                   enrolled_client):
    code = code_at(secret, clock.now)
    r = post(enrolled_client, PAGE + "recovery-codes", {"proof": code}, form_page=PAGE)
    assert r.status_code == 200 and len(RECOVERY.findall(r.get_data(as_text=True))) == RECOVERY_CODES
    client = app.test_client()
    password_step(client)
    assert code_step(client, code).status_code == 401  # used up by the preferences page


# Administrators must, when the organisation says so


@pytest.fixture
def strict_app(trellis_config):
    from trellis.data.migrate import upgrade

    app = create_app({**trellis_config, "REQUIRE_TOTP_FOR_ADMINS": True})
    upgrade(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_an_administrator_without_it_is_sent_to_enrol_from_every_page(strict_app):
    _with_clock(strict_app)
    client = signed_in(strict_app)
    for page in ("/", "/app/contact", "/admin/users", "/preferences/tokens/"):
        r = client.get(page)
        assert r.status_code == 302 and r.headers["Location"] == PAGE, page
    page = client.get(PAGE).get_data(as_text=True)
    assert "requires two-step sign-in for administrators" in page
    assert post(client, "/logout", form_page=PAGE).headers["Location"].startswith("/login")
    assert client.get("/").headers["Location"].startswith("/login")


def test_after_enrolling_the_administrator_may_work_but_not_turn_it_off(strict_app):
    clock = _with_clock(strict_app)
    client = signed_in(strict_app)
    secret, _ = enrol(client, clock)
    assert client.get("/app/contact").status_code == 200
    r = _disable(client, code_at(secret, clock.now))
    assert r.status_code == 403 and client.get("/app/contact").status_code == 200


def test_the_rule_holds_for_every_caller_of_disable_not_only_the_page(strict_app):
    from trellis import PermissionDenied
    from trellis.security import totp
    from trellis.security.accounts import find_user_id

    clock = _with_clock(strict_app)
    client = signed_in(strict_app)
    enrol(client, clock)
    with strict_app.app_context():
        with pytest.raises(PermissionDenied):
            totp.disable(strict_app, find_user_id(strict_app, EMAIL), PASSWORD)
    assert "Unused recovery codes" in client.get(PAGE).get_data(as_text=True)  # still on


def test_other_users_are_not_sent_to_enrol(strict_app):
    with strict_app.app_context():
        create_user(strict_app, "ann@example.com", PASSWORD, role="contacts_user")
    client = strict_app.test_client()
    assert login(client, "ann@example.com", PASSWORD).status_code == 302
    assert client.get("/app/contact").status_code == 200


def test_the_setting_is_off_by_default_and_checked():
    assert resolve({})["REQUIRE_TOTP_FOR_ADMINS"] is False
    assert resolve({}, environ={"TRELLIS_REQUIRE_TOTP_FOR_ADMINS": "true"})["REQUIRE_TOTP_FOR_ADMINS"] is True
    with pytest.raises(SettingsError, match="TRELLIS_REQUIRE_TOTP_FOR_ADMINS"):
        resolve({"REQUIRE_TOTP_FOR_ADMINS": "perhaps"})


# The command line


def test_totp_reset_lets_a_user_who_lost_the_device_sign_in_with_the_password(app, clock, enrolled_client):
    r = app.test_cli_runner().invoke(cli, ["user", "totp-reset", EMAIL])
    assert r.exit_code == 0 and "turned off" in r.output
    assert not is_signed_in(enrolled_client)
    assert is_signed_in(signed_in(app))
    again = app.test_cli_runner().invoke(cli, ["user", "totp-reset", EMAIL])
    assert again.exit_code == 0 and "was not on" in again.output


def test_totp_reset_of_an_unknown_user_fails(app):
    r = app.test_cli_runner().invoke(cli, ["user", "totp-reset", "nobody@example.com"])
    assert r.exit_code == 1 and "no user" in r.output


# The database


def test_migrate_adds_the_columns_to_an_existing_credential_table(app):
    with app.app_context():
        create_user(app, EMAIL, PASSWORD, role="admin")
    with app.app_context(), db.engine.begin() as connection:
        for column in sorted(TOTP_COLUMNS):
            connection.execute(sa.text(f"ALTER TABLE trellis_credential DROP COLUMN {column}"))
    r = app.test_cli_runner().invoke(cli, ["migrate", "--dry-run"])
    assert all(f"trellis_credential.{column}" in r.output for column in TOTP_COLUMNS), r.output
    r = app.test_cli_runner().invoke(cli, ["migrate"])
    assert r.exit_code == 0, r.output
    with app.app_context(), db.engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("trellis_credential")}
    assert TOTP_COLUMNS <= columns
    clock = Clock()
    runtime(app).totp_clock = clock
    enrol(signed_in(app), clock)


def test_the_pages_speak_the_users_language(app, clock):
    client = signed_in(app)
    post(client, "/preferences", {"locale": "fa"}, form_page="/preferences")
    page = client.get(PAGE).get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page and "ورود دومرحله‌ای" in page
