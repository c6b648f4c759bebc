"""Bearer tokens: missing, unknown, revoked, read scope, the rate limit, and ``trellis token``."""

import pytest
from trellis.api import create_token, revoke_token, tokens_of
from trellis.data.database import db
from trellis.testing.api import api_app, bearer


def test_no_token_is_401_with_www_authenticate(client):
    answer = client.get("/api/v1/person")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json()["error"]["code"] == "unauthenticated"


def test_an_unknown_token_is_401(client):
    answer = client.get("/api/v1/person", headers={"Authorization": "Bearer trl_nonsense"})
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "invalid_token"


def test_a_revoked_token_is_refused_at_once(api, client, admin):
    token_id, secret = create_token(api, admin, scope="read")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/person", headers=headers).status_code == 200
    assert revoke_token(api, token_id) is True
    assert client.get("/api/v1/person", headers=headers).status_code == 401


def test_only_the_hash_of_a_token_is_stored(api, admin):
    from sqlalchemy import select
    from trellis.api.tokens import tables

    _, secret = create_token(api, admin, scope="read")
    with api.app_context():
        stored = db.session.execute(select(tables(api).tokens.c.token_hash)).scalars().all()
    assert secret not in stored and len(stored[0]) == 64


def test_a_read_scope_token_cannot_write(client, reader):
    answer = client.post("/api/v1/person", json={"name": "Ann"}, headers=reader)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "insufficient_scope"
    assert client.get("/api/v1/person", headers=reader).get_json()["count"] == 0


def test_tokens_of_lists_a_users_tokens_with_their_use(api, client, admin):
    token_id, secret = create_token(api, admin, scope="write", name="ERP")
    client.get("/api/v1/person", headers={"Authorization": f"Bearer {secret}"})
    (token,) = tokens_of(api, admin)
    assert (token.id, token.name, token.scope) == (token_id, "ERP", "write") and token.last_used_at is not None


def test_an_unknown_scope_is_refused(api, admin):
    with pytest.raises(ValueError):
        create_token(api, admin, scope="admin")


@pytest.fixture
def limited(trellis_config):
    app = api_app({**trellis_config, "API_RATE_LIMIT": "3/minute"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_rate_limit_answers_429_with_retry_after(limited):
    from trellis.testing.api import new_user

    headers = bearer(limited, new_user(limited, "ann@example.com"))
    client = limited.test_client()
    statuses = [client.get("/api/v1/person", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    answer = client.get("/api/v1/person", headers=headers)
    assert answer.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(answer.headers["Retry-After"]) <= 60


def test_the_rate_limit_is_counted_per_token(limited):
    from trellis.testing.api import new_user

    user = new_user(limited, "ann@example.com")
    first, second = bearer(limited, user), bearer(limited, user)
    client = limited.test_client()
    for _ in range(3):
        client.get("/api/v1/person", headers=first)
    assert client.get("/api/v1/person", headers=first).status_code == 429
    assert client.get("/api/v1/person", headers=second).status_code == 200


def invoke(app, *args):
    """Run ``trellis <args>`` on ``app`` (the real command group, this app)."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo
    from trellis.cli import cli

    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_the_token_command_creates_and_revokes(api, admin):
    created = invoke(api, "token", "create", "admin@example.com", "--scope", "write", "--name", "cli")
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    client = api.test_client()
    assert client.post("/api/v1/person", json={"name": "Ann"},
                       headers={"Authorization": f"Bearer {secret}"}).status_code == 201
    token_id = created.output.split("#")[1].split()[0]
    assert invoke(api, "token", "revoke", token_id).exit_code == 0
    assert client.get("/api/v1/person", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_the_token_command_names_an_unknown_user(api):
    result = invoke(api, "token", "create", "nobody@example.com")
    assert result.exit_code == 1 and "no user with the email nobody@example.com" in result.output


def test_a_token_reads_an_empty_list(client, reader):
    answer = client.get("/api/v1/person", headers=reader)
    assert answer.status_code == 200
    assert answer.get_json() == {"data": [], "next": None, "count": 0, "count_capped": False}
