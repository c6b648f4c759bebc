"""Fixtures of the web-UI tests (lists, forms, kanban, calendar, dashboards, locale, browser).

The shared ones (``app``, ``client``, ``client_as``, ``browser_page``) come from the root
``conftest.py`` and the ``trellis.testing`` pytest plugin; this group adds none yet.
"""
