"""The query builder: operators, search, keyset pages, joined link names, counts, and refusals."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from trellis import NotFound
from trellis.data.access import SystemAccess
from trellis.data.query import QueryError
from trellis.data.records import RecordService, records_for
from trellis.runtime import runtime
from trellis.testing import sql_statements


@pytest.fixture
def deals(svc, ann):
    """Five deals with distinct amounts, stages, dates and tags."""
    rows = [("Alpha", 100, "2099-01-05", ["vip"]), ("Beta", 200, "2099-02-10", []),
            ("Gamma_1", 300, None, ["vip", "north"]), ("Delta%", None, "2099-03-01", ["north"]),
            ("epsilon", 500, "2099-01-31", [])]
    made = []
    for name, amount, close, tags in rows:
        made.append(svc.create("deal", {"name": name, "amount": amount, "close_date": close, "tags": tags,
                                        "person": ann.id if amount and amount < 300 else None}))
    return made


def names(query, **page):
    return [r["name"] for r in query.page(**page).rows]


@pytest.mark.parametrize("conditions, expected", [
    ({"name": "Beta"}, ["Beta"]),
    ({"name__eq": "Beta"}, ["Beta"]),
    ({"name__ne": "Beta"}, ["Alpha", "Gamma_1", "Delta%", "epsilon"]),
    ({"amount__lt": "300"}, ["Alpha", "Beta"]),
    ({"amount__lte": 300}, ["Alpha", "Beta", "Gamma_1"]),
    ({"amount__gt": "300.00"}, ["epsilon"]),
    ({"amount__gte": 300}, ["Gamma_1", "epsilon"]),
    ({"name__in": "Alpha,epsilon"}, ["Alpha", "epsilon"]),
    ({"name__in": ["Beta"]}, ["Beta"]),
    ({"name__contains": "ELT"}, ["Delta%"]),
    ({"name__contains": "%"}, ["Delta%"]),
    ({"name__contains": "_"}, ["Gamma_1"]),
    ({"name__startswith": "e"}, ["epsilon"]),
    ({"amount__isnull": "true"}, ["Delta%"]),
    ({"close_date__isnull": False}, ["Alpha", "Beta", "Delta%", "epsilon"]),
    ({"close_date__gte": "2099-01-31", "close_date__lte": "2099-02-28"}, ["Beta", "epsilon"]),
    ({"tags__contains": "north"}, ["Gamma_1", "Delta%"]),
    ({"stage": "new", "amount__gte": 200}, ["Beta", "Gamma_1", "epsilon"]),
])
def test_each_filter_operator_selects_the_right_rows(svc, deals, conditions, expected):
    assert names(svc.query("deal").filter(**conditions).order_by("id")) == expected


def test_a_link_filter_takes_the_linked_id(svc, deals, ann):
    assert names(svc.query("deal").filter(person=ann.id).order_by("id")) == ["Alpha", "Beta"]


def test_a_links_field_filters_by_any_linked_id(svc, ann):
    bob = svc.create("person", {"name": "Bob"})
    svc.create("sample", {"s": "both", "lns": [ann.id, bob.id]})
    svc.create("sample", {"s": "bob", "lns": [bob.id]})
    svc.create("sample", {"s": "none"})
    query = svc.query("sample").order_by("s")
    assert [r["s"] for r in query.filter(lns=ann.id).page().rows] == ["both"]
    assert [r["s"] for r in query.filter(lns__isnull=True).page().rows] == ["none"]
    assert [r["lns"] for r in query.filter(s="both").page().rows] == [[ann.id, bob.id]]


def test_a_day_filter_on_a_datetime_covers_the_whole_day(svc, deals):
    today = datetime.now(UTC).date().isoformat()
    assert svc.query("deal").filter(created_at__lte=today).page().count == 5
    assert svc.query("deal").filter(created_at=today).page().count == 5
    assert svc.query("deal").filter(created_at__lt=today).page().count == 0
    assert svc.query("deal").filter(created_at__gt=today).page().count == 0
    assert svc.query("deal").filter(created_at__gte="2000-01-01", created_at__lte="2999-01-01").page().count == 5


def test_search_finds_cyrillic_whatever_the_letter_case(svc):
    svc.create("person", {"name": "Иванов Пётр"})
    svc.create("person", {"name": "Petrov"})
    for term in ("иванов", "ИВАНОВ", "Иванов пётр"):
        assert [r["name"] for r in svc.query("person").search(term).page().rows] == ["Иванов Пётр"], term


def test_search_finds_persian_and_treats_wildcards_as_text(svc):
    svc.create("person", {"name": "علی رضایی"})
    svc.create("person", {"name": "100% sure"})
    assert [r["name"] for r in svc.query("person").search("علی").page().rows] == ["علی رضایی"]
    assert [r["name"] for r in svc.query("person").search("%").page().rows] == ["100% sure"]


def test_sorting_puts_empty_values_last_both_ways(svc, deals):
    assert names(svc.query("deal").order_by("amount")) == ["Alpha", "Beta", "Gamma_1", "epsilon", "Delta%"]
    assert names(svc.query("deal").order_by("-amount")) == ["epsilon", "Gamma_1", "Beta", "Alpha", "Delta%"]


@pytest.mark.parametrize("order", ["id", "-amount", "close_date", "-close_date", "stage", "-person"])
def test_cursor_pages_walk_every_row_once_forwards_and_backwards(svc, order):
    for i in range(23):
        svc.create("deal", {"name": f"D{i:02}", "amount": None if i % 5 == 0 else i % 4,
                            "close_date": None if i % 3 == 0 else f"2099-01-{1 + i % 7:02}"})
    query = svc.query("deal").order_by(order)
    everything = [r.id for r in query.page(size=100).rows]
    assert len(everything) == 23
    seen, pages, cursor = [], [], None
    while True:
        page = query.page(size=5, cursor=cursor)
        pages.append(page)
        seen += [r.id for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == everything and len(pages) == 5
    back = []
    cursor = pages[-1].prev_cursor
    while cursor:
        page = query.page(size=5, cursor=cursor)
        back = [r.id for r in page.rows] + back
        cursor = page.prev_cursor
    assert back == everything[:20]


def test_the_first_page_has_no_previous_cursor(svc, deals):
    page = svc.query("deal").page(size=2)
    assert page.prev_cursor is None and page.next_cursor is not None


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjogMX0", "", "e30"])
def test_a_tampered_cursor_is_refused(svc, deals, cursor):
    with pytest.raises(QueryError) as e:
        svc.query("deal").page(size=2, cursor=cursor or "=")
    assert "cursor" in e.value.fields


def test_a_cursor_from_another_sort_is_refused(svc, deals):
    cursor = svc.query("deal").order_by("amount").page(size=2).next_cursor
    with pytest.raises(QueryError):
        svc.query("deal").order_by("name").page(size=2, cursor=cursor)


def test_a_cursor_with_a_forged_value_type_is_refused(svc, deals):
    import base64
    import json

    forged = {"o": [["amount", False], ["id", False]], "v": ["1 OR 1=1", 1], "d": "next"}
    cursor = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(QueryError):
        svc.query("deal").order_by("amount").page(size=2, cursor=cursor)


def test_rows_carry_link_names_from_the_same_query(svc, deals, ann):
    row = svc.query("deal").filter(name="Alpha").first()
    # A link is a Link: equal to the id, with the linked record's title as .name (was a {"id", "name"} dict).
    assert row["person"] == ann.id and row["person"].name == "Ann" and row["person"]["name"] == "Ann"
    assert svc.query("deal").filter(name="Gamma_1").first()["person"] is None


def test_a_page_of_fifty_rows_with_two_link_columns_takes_at_most_three_queries(svc, ann):
    user = svc.create("user", {"name": "Una", "email": "una@example.com"})
    # A user record without roles may do nothing under RoleAccess; only the query count is under test.
    as_una = RecordService(svc.app, user.id, "plugin", SystemAccess())
    for i in range(60):
        as_una.create("deal", {"name": f"D{i}", "person": ann.id})
    with sql_statements(svc.app) as statements:
        page = svc.query("deal").page(size=50)
    assert len(page.rows) == 50 and page.count == 60
    assert (page.rows[0]["owner"], page.rows[0]["owner"].name) == (user.id, "Una")
    assert (page.rows[0]["person"], page.rows[0]["person"].name) == (ann.id, "Ann")
    assert len(statements) <= 3, statements


def test_counts_are_exact_up_to_the_cap_then_capped(svc, deals):
    assert svc.query("deal").page(count_cap=5).count == 5
    assert svc.query("deal").page(count_cap=5).count_capped is False
    page = svc.query("deal").page(count_cap=3)
    assert (page.count, page.count_capped) == (3, True)


@pytest.mark.parametrize("conditions", [
    {"nonsense": 1},
    {"name; DROP TABLE deal": "x"},
    {"amount__gte": "1 OR 1=1"},
    {"amount__between": 1},
    {"close_date": "'; DROP TABLE deal; --"},
    {"tags__gt": "a"},
    {"amount__contains": "1"},
])
def test_unknown_fields_operators_and_injection_strings_are_query_errors(svc, deals, conditions):
    with pytest.raises(QueryError) as e:
        svc.query("deal").filter(**conditions)
    assert set(e.value.fields) == set(conditions)
    assert svc.query("deal").page().count == 5


@pytest.mark.parametrize("sort", ["nonsense", "amount; DROP TABLE deal", "-tags", "amount desc"])
def test_an_unknown_or_unsortable_sort_is_a_query_error(svc, deals, sort):
    with pytest.raises(QueryError) as e:
        svc.query("deal").order_by(sort)
    assert "sort" in e.value.fields
    assert svc.query("deal").page().count == 5


def test_an_injection_string_in_search_is_just_text(svc, deals):
    assert svc.query("deal").search("' OR 1=1 --").page().count == 0
    assert svc.query("deal").page().count == 5


class OnlyOwnDeals:
    """An Access that hides deals named 'Secret' and the amount field from users."""

    def can(self, user, verb, entity, record=None):
        return True

    def readable_fields(self, user, entity):
        return None if entity != "deal" else {"name", "stage", "person", "owner"}

    def writable_fields(self, user, entity):
        return None

    def read_filter(self, user, entity, table=None):
        return table.c.name != "Secret" if entity == "deal" else None


def test_the_read_filter_limits_every_query_count_and_get(svc, deals):
    secret = svc.create("deal", {"name": "Secret", "amount": 1})
    runtime(svc.app).access = OnlyOwnDeals()
    user = records_for(svc.app, user=7)
    assert "Secret" not in names(user.query("deal"))
    assert user.query("deal").page().count == 5
    assert user.query("deal").filter(name="Secret").page().count == 0
    with pytest.raises(NotFound):
        user.get("deal", secret.id)
    assert "amount" not in user.query("deal").first()
    with pytest.raises(QueryError):
        user.query("deal").filter(amount__gte=1)


def test_amounts_come_back_as_decimals(svc, deals):
    assert svc.query("deal").filter(name="Alpha").first()["amount"] == Decimal("100.00")


def test_iterate_walks_every_row_across_batches(svc, deals):
    assert [r.id for r in svc.query("deal").order_by("-id").iterate(batch=2)] == [r.id for r in reversed(deals)]


@pytest.mark.parametrize("order", ["close_date", "-close_date", "-amount", "name"])
def test_first_titles_reads_each_querys_first_rows_in_the_order_a_page_has(svc, deals, order):
    from trellis.data.query import first_titles

    queries = [svc.query("deal").order_by(order), svc.query("deal").filter(stage="new").order_by(order)]
    found = first_titles(queries, 3)
    assert [[title for _, title in rows] for rows in found] == [names(q, size=3) for q in queries]
    assert [row_id for row_id, _ in found[0]] == [r.id for r in queries[0].page(size=3).rows]


def test_first_titles_leaves_a_query_without_a_text_title_to_its_page(svc, deals):
    from trellis.data.query import first_titles

    svc.create("chain", {"a": 1})
    found = first_titles([svc.query("chain"), svc.query("deal").filter(name="Beta")], 5)
    assert found == [None, [(deals[1].id, "Beta")]]
