"""A report whose columns one index holds groups by the bare columns on SQLite (read from the index in group
order, no sort), one that needs the table groups by an expression (one scan, no index walk); the answers are
the same either way, on SQLite and PostgreSQL, for the system and under a record rule."""

from decimal import Decimal

import pytest
from report_files import write_org
from trellis.data.records import records_for
from trellis.data.reports import run_report
from trellis.security.accounts import create_user
from trellis.testing import sql_statements

GADGET = """\
entity: gadget
title: name
fields:
  name:  {type: string, required: true}
  kind:  {type: selection, options: [small, large]}
  price: {type: money}
  owner: {type: user}
indexes: [[kind, price], [owner, kind, price]]
"""
WIDGET = GADGET.replace("gadget", "widget").replace("[[kind, price], [owner, kind, price]]", "[[kind, price]]")
ROLES = """\
roles:
  keeper:
    gadget: {read: own, create: true}
    widget: {read: own, create: true}
"""
REPORTS = {
    "covered": "report: covered\nentity: gadget\ngroup_by: kind\nmeasures: {price: {sum: price}, n: count}\n",
    "table": "report: table\nentity: gadget\ngroup_by: kind\nmeasures: {names: {count_distinct: name}}\n",
    "filtered": "report: filtered\nentity: gadget\nfilters: {name__ne: b}\ngroup_by: kind\nmeasures: {n: count}\n",
    "widgets": "report: widgets\nentity: widget\ngroup_by: kind\nmeasures: {price: {sum: price}}\n",
}


@pytest.fixture
def trellis_config(trellis_config):
    return write_org(trellis_config, ROLES, REPORTS, {"gadget.yaml": GADGET, "widget.yaml": WIDGET})


@pytest.fixture
def keeper(svc):
    return create_user(svc.app, "keeper@example.com", None, role="keeper", name="Kim")


@pytest.fixture
def gadgets(svc, keeper):
    rows = [("a", "small", 10, keeper), ("b", "small", 15, None), ("c", "large", 100, keeper), ("d", None, 1, None)]
    for name, kind, price, owner in rows:
        svc.create("gadget", {"name": name, "kind": kind, "price": price, "owner": owner.id if owner else None})


def grouped_statement(records, name):
    records.app.config["REPORT_CACHE_SECONDS"] = 0
    with sql_statements(records.app) as seen:
        result = run_report(records, records.metadata.reports[name])
    statement = next(s for s in seen if "GROUP BY" in s.upper())
    return {row.keys[0]: row.values for row in result.rows}, statement


def test_a_covered_report_groups_by_the_bare_column_with_the_same_answers(svc, gadgets, keeper):
    values, statement = grouped_statement(svc, "covered")
    assert values == {"small": {"price": Decimal("25.00"), "n": 2}, "large": {"price": Decimal("100.00"), "n": 1},
                      None: {"price": Decimal("1.00"), "n": 1}}
    assert "ifnull" not in statement.lower()
    mine, statement = grouped_statement(records_for(svc.app, keeper, "ui"), "covered")   # owner, kind, price
    assert mine == {"small": {"price": Decimal("10.00"), "n": 1}, "large": {"price": Decimal("100.00"), "n": 1}}
    assert "ifnull" not in statement.lower()


def test_a_report_reading_a_column_no_index_holds_groups_by_an_expression_on_sqlite(svc, gadgets):
    values, statement = grouped_statement(svc, "table")
    assert values == {"small": {"names": 2}, "large": {"names": 1}, None: {"names": 1}}
    assert ("ifnull" in statement.lower()) == (svc.app.extensions["sqlalchemy"].engine.dialect.name == "sqlite")


def test_a_filter_or_a_read_rule_on_a_column_no_index_holds_means_an_expression_on_sqlite(svc, gadgets, keeper):
    sqlite = svc.app.extensions["sqlalchemy"].engine.dialect.name == "sqlite"
    values, statement = grouped_statement(svc, "filtered")   # name is in no index
    assert values == {"small": {"n": 1}, "large": {"n": 1}, None: {"n": 1}}
    assert ("ifnull" in statement.lower()) == sqlite
    svc.create("widget", {"name": "w", "kind": "small", "price": 5, "owner": keeper.id})
    svc.create("widget", {"name": "v", "kind": "small", "price": 7})
    values, statement = grouped_statement(svc, "widgets")    # [kind, price] holds all the system reads
    assert values == {"small": {"price": Decimal("12.00")}, "large": {"price": None}} and "ifnull" not in statement
    mine, statement = grouped_statement(records_for(svc.app, keeper, "ui"), "widgets")   # the rule reads owner
    assert mine == {"small": {"price": Decimal("5.00")}, "large": {"price": None}}
    assert ("ifnull" in statement.lower()) == sqlite
