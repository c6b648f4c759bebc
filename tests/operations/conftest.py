"""The operations tests' organisation: one ``customer`` entity and no plugins (a test adds what it needs)."""

from pathlib import Path

import pytest

CUSTOMER = """
entity: customer
title: name
fields:
  name:   {type: string, required: true}
  note:   {type: string}
  email:  {type: email}
  amount: {type: decimal}
"""


@pytest.fixture
def trellis_config(trellis_config):
    """The pytest plugin's settings, with the customer entity and no plugins."""
    folder = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customer.yaml").write_text(CUSTOMER, encoding="utf-8")
    trellis_config["PLUGINS"] = []
    return trellis_config
