"""Load the sales plugin in every test here, whether or not its entry point is installed.

``EXTRA_PLUGINS`` registers the package itself (its ``plugin.yaml`` and hooks);
when the entry point is installed too, it is the same module, so nothing clashes.
"""

import pytest
import trellis_plugins.sales


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.sales]}
