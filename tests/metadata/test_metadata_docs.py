"""The YAML examples in docs/admin.md are valid: each matches the schema, and together they load."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from trellis.metadata import core_layer, load
from trellis.metadata.json_schema import metadata_schema
from trellis.metadata.model import Layer
from trellis.metadata.yaml_loader import read_text

ADMIN = Path(__file__).resolve().parents[2] / "docs" / "admin.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", ADMIN.read_text(encoding="utf-8"), flags=re.S)
# What the examples refer to but do not define (a plugin would, in a real organisation).
SUPPORT = {
    "contact.yaml": "entity: contact\nfields: {name: string, email: email, credit_limit: money, "
                    "kind: {type: selection, options: [person, company]}}\n",
    "lost_reason.yaml": "entity: lost_reason\nfields: {name: string}\n",
    "order.yaml": "entity: order\nfields: {deal: {type: link, to: deal}, amount: money}\n",
    "activity.yaml": "entity: activity\nfields: {kind: string, subject: string, contact: {type: link, to: contact}}\n",
}


def test_the_admin_guide_has_examples_of_every_kind():
    kinds = {next(iter(yaml.safe_load(block))) for block in BLOCKS}
    assert {"entity", "extends", "workflow", "automation", "roles", "dashboard"} <= kinds


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.split("\n")[0][:40])
def test_each_example_in_the_admin_guide_matches_the_schema(block):
    document = read_text(block, "docs/admin.md")
    validator = jsonschema.Draft202012Validator(metadata_schema())
    assert not list(validator.iter_errors(json.loads(json.dumps(document, default=str))))


def test_the_examples_in_the_admin_guide_load_together(tmp_path):
    folder = tmp_path / "metadata"
    folder.mkdir()
    for name, text in SUPPORT.items():
        (folder / name).write_text(text, encoding="utf-8")
    for index, block in enumerate(BLOCKS):
        (folder / f"z{index:02}.yaml").write_text(block, encoding="utf-8")
    metadata = load([core_layer(), Layer("metadata", str(folder), "organisation")],
                    widgets=["sales_forecast", "sales_targets"])  # what the sales plugin would add
    assert "birthday" in metadata.entity("contact").fields
    assert set(metadata.workflows) == {"deal_pipeline"} and set(metadata.automations) == {"birthday_greeting"}
    sales = metadata.dashboards["sales"]  # as extended by the guide's extends: sales
    assert [(w.widget, w.size) for w in sales.widgets] == [("sales_forecast", None), ("sales_targets", "medium")]
    assert sales.label["en"] == "Our sales"
