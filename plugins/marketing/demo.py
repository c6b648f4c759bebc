"""Demo data: filled in below."""


def create(context):
    """Nothing yet."""
