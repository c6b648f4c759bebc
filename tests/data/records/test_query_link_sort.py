"""Sorting by a link field orders by the linked record's title (not its id), page after page."""

import pytest


@pytest.fixture
def people(svc):
    # Created in an order where ids and names disagree: Zed first, Abe last.
    zed, mia, abe = (svc.create("person", {"name": n}) for n in ("Zed", "Mia", "Abe"))
    for i, person in enumerate([zed, mia, abe, None, zed, abe, mia] * 3):
        svc.create("deal", {"name": f"D{i:02d}", "person": person.id if person else None})
    return svc


def walk(svc, sort, size):
    rows, cursor = [], None
    while True:
        page = svc.query("deal").order_by(sort).page(size=size, cursor=cursor)
        rows += page.rows
        cursor = page.next_cursor
        if not cursor:
            return rows


def test_sorting_by_a_link_orders_by_the_linked_title(people):
    rows = people.query("deal").order_by("person").page(size=50).rows
    names = [r["person"].name if r["person"] else None for r in rows]
    assert names == ["Abe"] * 6 + ["Mia"] * 6 + ["Zed"] * 6 + [None] * 3


def test_descending_puts_the_titles_backwards_and_empty_links_last(people):
    rows = people.query("deal").order_by("-person").page(size=50).rows
    names = [r["person"].name if r["person"] else None for r in rows]
    assert names == ["Zed"] * 6 + ["Mia"] * 6 + ["Abe"] * 6 + [None] * 3


@pytest.mark.parametrize("sort", ["person", "-person"])
def test_keyset_pages_walk_a_link_sort_without_gaps_or_repeats(people, sort):
    everything = [r.id for r in people.query("deal").order_by(sort).page(size=100).rows]
    assert [r.id for r in walk(people, sort, 4)] == everything


def test_walking_back_gives_the_same_pages(people):
    first = people.query("deal").order_by("person").page(size=5)
    second = people.query("deal").order_by("person").page(size=5, cursor=first.next_cursor)
    back = people.query("deal").order_by("person").page(size=5, cursor=second.prev_cursor)
    assert [r.id for r in back.rows] == [r.id for r in first.rows]
