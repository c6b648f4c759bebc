"""Test helpers for Trellis and for plugin authors.

- :mod:`trellis.testing.fixtures`: the pytest fixtures (``trellis_app``, ``trellis_client``,
  ``records``, ``db_url``...), loaded through the ``pytest11`` entry point;
- :mod:`trellis.testing.web`: signing in and posting forms with the test client;
- :mod:`trellis.testing.api`: an API app, users and bearer tokens;
- :mod:`trellis.testing.browser`: a served app and a Chromium tab (playwright).
"""

from trellis.testing.fixtures import sql_statements

__all__ = ["sql_statements"]
