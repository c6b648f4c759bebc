"""Failed sign-ins are limited per client address and per account, in the database."""

from trellis.security.accounts import MAX_FAILED_LOGINS, create_user
from trellis.security.login_limit import MAX_FAILURES
from trellis.testing.web import csrf_token

PASSWORD = "a long enough password"


def _attempt(client, email, password, address):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _flood(client, address):
    # Different unknown emails: the per-account lock must not be what stops the caller.
    for i in range(MAX_FAILURES):
        assert _attempt(client, f"guess{i}@example.com", "wrong password", address).status_code == 401


def test_an_address_with_too_many_failures_is_refused_even_with_the_right_password(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    _flood(client, "203.0.113.7")
    response = _attempt(client, "ann@example.com", PASSWORD, "203.0.113.7")
    assert response.status_code == 429 and response.headers["Retry-After"]


def test_another_address_may_still_sign_in(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    _flood(client, "203.0.113.7")
    assert _attempt(app.test_client(), "ann@example.com", PASSWORD, "198.51.100.2").status_code == 302


def test_failures_below_the_limit_do_not_stop_a_correct_sign_in(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    for i in range(MAX_FAILURES - 1):
        _attempt(client, f"guess{i}@example.com", "wrong password", "203.0.113.7")
    assert _attempt(client, "ann@example.com", PASSWORD, "203.0.113.7").status_code == 302


def _lock(client, email):
    # Each guess from its own address: the per-address limit must not be what stops the caller.
    for i in range(MAX_FAILED_LOGINS):
        assert _attempt(client, email, "wrong password", f"192.0.2.{i + 1}").status_code == 401


def test_an_account_with_too_many_wrong_passwords_refuses_even_the_right_one(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    _lock(client, "ann@example.com")
    assert _attempt(app.test_client(), "ann@example.com", PASSWORD, "198.51.100.2").status_code == 401


def test_a_locked_account_does_not_lock_other_accounts(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
        create_user(app, "bob@example.com", PASSWORD, role="admin")
    _lock(app.test_client(), "ann@example.com")
    assert _attempt(app.test_client(), "bob@example.com", PASSWORD, "198.51.100.2").status_code == 302


def test_a_locked_account_signs_in_again_once_the_lock_has_passed(app):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update
    from trellis.data.unit import unit_of_work
    from trellis.security.accounts import credentials

    with app.app_context():
        ann = create_user(app, "ann@example.com", PASSWORD, role="admin")
    _lock(app.test_client(), "ann@example.com")
    table = credentials(app)
    with app.app_context(), unit_of_work(app) as connection:
        connection.execute(update(table).where(table.c.user_id == ann.id)
                           .values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert _attempt(app.test_client(), "ann@example.com", PASSWORD, "198.51.100.2").status_code == 302


def test_wrong_passwords_below_the_account_limit_do_not_lock_it(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    for i in range(MAX_FAILED_LOGINS - 1):
        _attempt(client, "ann@example.com", "wrong password", f"192.0.2.{i + 1}")
    assert _attempt(client, "ann@example.com", PASSWORD, "198.51.100.2").status_code == 302


def test_the_wait_doubles_with_each_further_wrong_password_up_to_fifteen_minutes(app):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update
    from trellis.data.unit import unit_of_work
    from trellis.security.accounts import credentials

    with app.app_context():
        ann = create_user(app, "ann@example.com", PASSWORD, role="admin")
    table = credentials(app)
    waits = []
    for attempt in range(MAX_FAILED_LOGINS + 6):
        started = datetime.now(UTC)
        assert _attempt(app.test_client(), "ann@example.com", "wrong password", f"192.0.2.{attempt + 1}"
                        ).status_code == 401
        with app.app_context(), unit_of_work(app) as connection:
            locked = connection.execute(select(table.c.locked_until).where(table.c.user_id == ann.id)).scalar()
            if locked is not None:  # let the wait pass, so that the next guess counts
                locked = locked.replace(tzinfo=UTC) if locked.tzinfo is None else locked
                waits.append(round((locked - started).total_seconds() / 30))
                connection.execute(update(table).where(table.c.user_id == ann.id)
                                   .values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    # in units of 30 s: 30 s, 1, 2, 4, 8 minutes, then 15 minutes
    assert waits == [1, 2, 4, 8, 16, 30, 30]


def test_guesses_read_at_the_same_moment_each_count(app):
    from datetime import UTC, datetime

    from sqlalchemy import select
    from trellis.data.unit import unit_of_work
    from trellis.security.accounts import count_failure, credentials

    with app.app_context():
        ann = create_user(app, "ann@example.com", PASSWORD, role="admin")
    table = credentials(app)
    with app.app_context(), unit_of_work(app) as connection:
        stale = connection.execute(select(table).where(table.c.user_id == ann.id)).mappings().first()
        for _ in range(MAX_FAILED_LOGINS):  # each as a parallel request would: from the same row read
            count_failure(app, connection, stale, datetime.now(UTC))
        counted, locked = connection.execute(select(table.c.failed_logins, table.c.locked_until)
                                             .where(table.c.user_id == ann.id)).one()
    assert counted == MAX_FAILED_LOGINS and locked is not None
