"""Fixtures of the data-layer tests (database, schema, migrations).

The record-service, query, search-index and write-plan tests are in ``records/``, whose
``conftest.py`` gives every module there a small organisation of YAML entities.
"""
