"""The analytics plugin (and sales, which it depends on) in every test here.

``analytics_yaml`` (default: none, so the plugin's shipped settings apply) is written to
the organisation's ``metadata/analytics.yaml``; a test overrides the fixture to try other settings.
"""

from pathlib import Path

import pytest
import trellis_plugins.analytics
import trellis_plugins.sales


@pytest.fixture
def analytics_yaml():
    return None


@pytest.fixture
def trellis_config(trellis_config, analytics_yaml):
    if analytics_yaml is not None:
        (Path(trellis_config["ORG_DIR"]) / "metadata" / "analytics.yaml").write_text(analytics_yaml, encoding="utf-8")
    return {**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.sales, trellis_plugins.analytics]}
