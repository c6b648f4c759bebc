"""Trellis's built-in plugins (contacts, sales, ...), each a sub-package.

They register through the ``trellis`` entry-point group exactly like a
third-party plugin would; importing this package registers nothing.
"""
