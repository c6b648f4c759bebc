"""Finding 9 (security round 2): de-duplicating a list value (tags, multiselect, links) is linear, not quadratic."""

import time

from trellis.data.coerce import coerce_value
from trellis.metadata.model import Field


def test_forty_thousand_tags_are_coerced_in_well_under_a_second():
    tags = [f"tag{i}" for i in range(40_000)] * 2
    start = time.perf_counter()
    result = coerce_value(tags, Field("tags", "tags"), None)
    assert time.perf_counter() - start < 1
    assert result == [f"tag{i}" for i in range(40_000)]  # order kept, duplicates gone


def test_forty_thousand_link_ids_are_coerced_in_well_under_a_second():
    start = time.perf_counter()
    result = coerce_value(",".join(str(i) for i in range(1, 40_001)) + ",1,2", Field("l", "links"), None)
    assert time.perf_counter() - start < 1
    assert len(result) == 40_000 and result[:2] == [1, 2]
