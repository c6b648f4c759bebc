"""The organisation the API tests share: a person and a deal with a workflow, a token of each scope.

The fixtures built on it are in this folder's ``conftest.py``; modules that build their own
application import :func:`write_world` from here.
"""

from pathlib import Path

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
