"""The small organisation the record-service and query tests share: YAML in a temp org folder.

Every test module in this folder gets these fixtures. No plugins are loaded (``PLUGINS: []``),
so the entities below are the whole world besides the core ``user`` and ``team``.
"""

from pathlib import Path

import pytest
from trellis.app import create_app
from trellis.data.database import db
from trellis.data.migrate import upgrade
from trellis.data.records import records_for

ENTITIES = {
    "person.yaml": """
entity: person
title: name
fields:
  name:       {type: string, required: true, max_length: 100}
  email:      {type: email}
  deal_count: {type: integer, rollup: {from: deal.person, count: name}}
  won_total:  {type: money, rollup: {from: deal.person, sum: amount, where: "stage == 'won'"}}
search: [name, email]
""",
    "deal.yaml": """
entity: deal
title: name
fields:
  name:        {type: string, required: true, max_length: 200}
  person:      {type: link, to: person, on_delete: restrict}
  owner:       {type: user, default: "current_user"}
  amount:      {type: money, min: 0}
  probability: {type: percent, default: 10, max: 100}
  expected:    {type: money, compute: "amount * probability / 100"}
  stage:       {type: selection, options: [new, qualified, proposal, won, lost], default: new}
  lost_reason: {type: string, required_if: "stage == 'lost'"}
  close_date:  {type: date}
  tags:        {type: tags}
rules:
  - check: "close_date is None or close_date >= created_at.date()"
    message: {en: "Close date cannot be before creation"}
    field: close_date
search: [name]
""",
    "note.yaml": """
entity: note
title: body
fields:
  body:   {type: text, required: true}
  person: {type: link, to: person, on_delete: cascade}
""",
    "task.yaml": """
entity: task
title: subject
fields:
  subject: {type: string, required: true}
  person:  {type: link, to: person, on_delete: set_null}
""",
    "chain.yaml": """
entity: chain
fields:
  c: {type: integer, compute: "b * 2"}
  b: {type: integer, compute: "a + 1"}
  a: {type: integer}
""",
    "sample.yaml": """
entity: sample
title: s
fields:
  s:    {type: string, max_length: 20}
  t:    {type: text}
  h:    {type: html}
  i:    {type: integer, min: 0, max: 1000}
  d:    {type: decimal}
  m:    {type: money}
  p:    {type: percent}
  b:    {type: boolean}
  dt:   {type: date}
  ts:   {type: datetime}
  e:    {type: email}
  ph:   {type: phone}
  u:    {type: url}
  sel:  {type: selection, options: [red, green]}
  ms:   {type: multiselect, options: [a, b, c]}
  tg:   {type: tags}
  ln:   {type: link, to: person, on_delete: set_null}
  lns:  {type: links, to: person}
  us:   {type: user}
  f:    {type: file}
  j:    {type: json}
  ro:   {type: string, readonly: true}
search: [s, t]
""",
}

WORKFLOW = """
workflow: deal_pipeline
entity: deal
field: stage
states:
  new: {label: New}
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
    """Write the entities and the deal workflow into ``org_dir/metadata``."""
    metadata = Path(org_dir) / "metadata"
    (metadata / "entities").mkdir(parents=True, exist_ok=True)
    (metadata / "workflows").mkdir(parents=True, exist_ok=True)
    for name, text in ENTITIES.items():
        (metadata / "entities" / name).write_text(text, encoding="utf-8")
    (metadata / "workflows" / "deal.yaml").write_text(WORKFLOW, encoding="utf-8")


@pytest.fixture
def trellis_config(trellis_config):
    """The shared config, with the world's YAML written and no installed plugins."""
    write_world(trellis_config["ORG_DIR"])
    return {**trellis_config, "PLUGINS": []}


@pytest.fixture
def svc(trellis_app):
    """The system's record service on a migrated database, inside an app context."""
    upgrade(trellis_app)
    with trellis_app.app_context():
        yield records_for(trellis_app)


@pytest.fixture
def ann(svc):
    """A person called Ann."""
    return svc.create("person", {"name": "Ann", "email": "ann@example.com"})


@pytest.fixture
def service_with(trellis_config):
    """``service_with(plugin, channel)``: the record service of an app of this world with ``plugin``
    (an object with hook implementations, not installed) loaded too, inside its app context."""
    made = []

    def make(plugin, channel="plugin"):
        app = create_app({**trellis_config, "EXTRA_PLUGINS": [plugin]})
        upgrade(app)
        context = app.app_context()
        context.push()
        made.append((app, context))
        return records_for(app, channel=channel)

    yield make
    for app, context in reversed(made):
        context.pop()
        with app.app_context():
            db.engine.dispose()
