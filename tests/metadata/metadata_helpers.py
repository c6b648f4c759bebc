"""Helpers of the metadata tests: load an organisation's folder over the core layer, or collect its problems."""

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer


def load_org(org):
    """The metadata of the core layer plus ``org/metadata`` as the organisation's layer."""
    return load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation")])


def problems(org):
    """The problems (``file:line: message``) loading ``org`` reports; fails the test when it loads."""
    with pytest.raises(MetadataError) as caught:
        load_org(org)
    return [str(p) for p in caught.value.problems]
