"""Fixtures of the metadata tests (YAML loading, layers, entities, workflows, roles, docs).

The shared ones (``trellis_config``, ``trellis_app``, ``app``, ``client``) come from the root
``conftest.py`` and the ``trellis.testing`` pytest plugin; this group adds none yet.
"""
