"""Fixtures of the expression-language tests (evaluator, hostile input, properties).

The expression language needs no application; this group adds no fixtures yet.
"""
