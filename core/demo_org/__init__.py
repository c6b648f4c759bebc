"""The demo organisation's own YAML layer (``metadata/``), shipped inside the package.

``trellis demo`` reads it when the current folder is not an organisation, so a
pip-installed ``trellis demo`` run from an empty folder shows a CRM customised the way
an admin would; the repository's top-level ``metadata/`` is a link to this folder.
"""
