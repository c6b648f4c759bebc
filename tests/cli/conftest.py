"""Fixtures of the command-line tests (``trellis`` subcommands, ``trellis check``).

The shared ones come from the root ``conftest.py`` and the ``trellis.testing`` pytest plugin;
this group adds none yet.
"""
