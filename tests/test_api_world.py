"""The organisation the API tests share: a person and a deal with a workflow, a token of each scope.

Other API test modules import the fixtures from here (``from test_api_world import *``).
"""

from pathlib import Path

import pytest
from trellis.data.database import db
from trellis.testing.api import api_app, bearer, new_user

__all__ = ["admin", "api", "client", "reader", "trellis_config", "writer"]

PERSON = """
entity: person
label: {en: Person, ru: Человек}
title: name
fields:
  name:       {type: string, required: true, max_length: 100, label: {en: Name, ru: Имя}}
  email:      {type: email}
  score:      {type: integer, min: 0, max: 100}
  deal_count: {type: integer, rollup: {from: deal.person, count: name}}
search: [name, email]
list: {order: name}
"""

DEAL = """
entity: deal
title: name
fields:
  name:        {type: string, required: true, max_length: 200}
  person:      {type: link, to: person, on_delete: restrict}
  amount:      {type: money, min: 0}
  expected:    {type: money, compute: "amount * 2"}
  stage:       {type: selection, options: [new, qualified, proposal, won, lost], default: new}
  lost_reason: {type: string, required_if: "stage == 'lost'"}
  close_date:  {type: date}
search: [name]
"""

WORKFLOW = """
workflow: deal_pipeline
entity: deal
field: stage
states:
  new: {}
  qualified: {}
  proposal: {}
  won: {final: true, won: true}
  lost: {final: true}
transitions:
  qualify: {from: new, to: qualified}
  propose: {from: qualified, to: proposal, when: "amount > 0"}
  win:     {from: [qualified, proposal], to: won}
  lose:    {from: "*", to: lost, require: [lost_reason]}
"""


def write_world(org_dir) -> None:
    """Write the person and deal entities and the deal workflow into ``org_dir/metadata``."""
    metadata = Path(org_dir) / "metadata"
    (metadata / "entities").mkdir(parents=True, exist_ok=True)
    (metadata / "workflows").mkdir(parents=True, exist_ok=True)
    (metadata / "entities" / "person.yaml").write_text(PERSON, encoding="utf-8")
    (metadata / "entities" / "deal.yaml").write_text(DEAL, encoding="utf-8")
    (metadata / "workflows" / "deal.yaml").write_text(WORKFLOW, encoding="utf-8")


@pytest.fixture
def trellis_config(trellis_config):
    """The shared config with the world's YAML, no plugins, a generous rate limit and manual jobs."""
    write_world(trellis_config["ORG_DIR"])
    return {**trellis_config, "PLUGINS": [], "API_RATE_LIMIT": "1000/minute", "SERVER_NAME": "crm.test"}


@pytest.fixture
def api(trellis_config):
    """The application with the API wired and migrated."""
    app = api_app(trellis_config)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(api):
    """A test client of ``api``."""
    return api.test_client()


@pytest.fixture
def admin(api):
    """The id of an administrator who holds tokens."""
    return new_user(api, "admin@example.com")


@pytest.fixture
def writer(api, admin):
    """Headers with a write-scope token of ``admin``."""
    return bearer(api, admin, scope="write")


@pytest.fixture
def reader(api, admin):
    """Headers with a read-scope token of ``admin``."""
    return bearer(api, admin, scope="read")


def test_a_token_reads_an_empty_list(client, reader):
    answer = client.get("/api/v1/person", headers=reader)
    assert answer.status_code == 200
    assert answer.get_json() == {"data": [], "next": None, "count": 0, "count_capped": False}
