"""YAML layers -> the typed model in :mod:`trellis.metadata.model`. No Flask, no SQL."""
