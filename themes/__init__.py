"""Themes shipped with Trellis: each sub-folder holds ``templates/`` and ``static/``.

This package holds only data files; it is importable so that a non-editable
install can find them with ``importlib.resources``.
"""
