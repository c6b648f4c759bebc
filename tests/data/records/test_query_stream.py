"""``Query.stream``: a big statement's rows in bounded lists, under the query's filters and the read rule."""

import pytest
from sqlalchemy import func, select
from trellis.data.query import QueryError
from trellis.data.records import RecordService


@pytest.fixture
def people(svc):
    return svc.create_many("person", [{"name": f"P{i:02}", "email": f"p{i}@example.com" if i % 2 else None}
                                      for i in range(25)])


def names(query, size):
    table = query.table
    return list(query.stream(lambda dialect: select(table.c.id, table.c.name).order_by(table.c.id), size=size))


def test_rows_come_in_lists_of_at_most_size_and_all_of_them_once(svc, people):
    chunks = names(svc.query("person"), 10)
    assert [len(rows) for rows in chunks] == [10, 10, 5]
    assert [row.name for rows in chunks for row in rows] == [f"P{i:02}" for i in range(25)]


def test_the_querys_filters_apply(svc, people):
    chunks = names(svc.query("person").filter(email__isnull=True), 100)
    assert [row.name for row in chunks[0]] == [f"P{i:02}" for i in range(0, 25, 2)]


def test_the_users_read_rule_applies(svc, people):
    class OddOnly:
        def can(self, user, action, entity, record=None):
            return True

        def readable_fields(self, user, entity):
            return None

        def writable_fields(self, user, entity):
            return None

        def read_filter(self, user, entity, table=None):
            return table.c.email.is_not(None) if entity == "person" else None

    query = RecordService(svc.app, 1, "ui", OddOnly()).query("person")
    table = query.table
    rows = [row for rows in query.stream(lambda dialect: select(func.count()).select_from(table)) for row in rows]
    assert rows[0][0] == 12


def test_rows_can_be_written_while_streaming_inside_one_transaction(svc, people):
    with svc.transaction():
        for rows in names(svc.query("person"), 7):
            svc.update_many("person", {row.id: {"name": row.name.lower()} for row in rows})
    assert sorted(p["name"] for p in svc.query("person").page(size=50).rows) == [f"p{i:02}" for i in range(25)]


@pytest.mark.parametrize("size", [0, 100_001])
def test_a_size_out_of_bounds_is_refused(svc, size):
    with pytest.raises(QueryError):
        names(svc.query("person"), size)
