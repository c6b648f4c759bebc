"""Fixtures of the plugin-system tests (discovery, hooks, commands, the example and tutorial plugins).

The shared ones come from the root ``conftest.py`` and the ``trellis.testing`` pytest plugin;
this group adds none yet.
"""
