"""Reports in YAML: entity, filters, group-bys with date buckets, measures, ratios, sort, limit, chart;
``extends:``; and bad reports reported at their file and line."""

import textwrap

import jsonschema
import pytest
from metadata_helpers import load_org, problems
from trellis.metadata import core_layer, load
from trellis.metadata.json_schema import metadata_schema
from trellis.metadata.model import Layer
from trellis.metadata.yaml_loader import read_file

ENTITY = """\
entity: sale
label: Sale
title: name
fields:
  name: {type: string}
  notes: {type: text}
  amount: {type: money}
  secret: {type: integer}
  stage: {type: selection, options: [new, won, lost]}
  closed_at: {type: datetime}
  buyer: {type: user}
"""
ROLES = """\
roles:
  seller:
    sale: {read: own, fields: {secret: none}}
  manager:
    sale: {read: all}
"""


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata" / "reports").mkdir(parents=True)
    (tmp_path / "metadata" / "sale.yaml").write_text(ENTITY)
    (tmp_path / "metadata" / "roles.yaml").write_text(ROLES)
    return tmp_path


def write(org, name, text):
    path = org / "metadata" / "reports" / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_report_reads_groups_buckets_measures_ratios_sort_limit_and_chart(org):
    write(org, "by_stage", """\
        report: by_stage
        label: {en: By stage, ru: По стадиям}
        entity: sale
        filters: {amount__gte: 0}
        group_by: [stage, {field: closed_at, bucket: quarter}]
        measures:
          sales: count
          amount: {sum: amount, label: {en: Amount}}
          won: {count: "*", where: {stage: won}}
          conversion: {ratio: [won, sales]}
          buyers: {count_distinct: buyer}
        sort: -amount
        limit: 5
        chart: stacked_bar
        """)
    report = load_org(org).reports["by_stage"]
    assert report.entity == "sale" and report.filters == {"amount__gte": 0}
    assert [(g.field, g.bucket) for g in report.groups] == [("stage", None), ("closed_at", "quarter")]
    assert [(m.name, m.function, m.field, m.where, m.ratio) for m in report.measures] == [
        ("sales", "count", None, {}, None), ("amount", "sum", "amount", {}, None),
        ("won", "count", None, {"stage": "won"}, None), ("conversion", None, None, {}, ("won", "sales")),
        ("buyers", "count_distinct", "buyer", {}, None)]
    assert report.sort == ("amount", True) and report.limit == 5 and report.chart == "stacked_bar"
    assert report.period_field == "closed_at"


def test_a_date_group_by_is_bucketed_by_month_unless_told(org):
    write(org, "monthly", "report: monthly\nentity: sale\ngroup_by: closed_at\nchart: line\n")
    report = load_org(org).reports["monthly"]
    assert [(g.field, g.bucket) for g in report.groups] == [("closed_at", "month")]
    assert [m.function for m in report.measures] == ["count"]


@pytest.mark.parametrize(("body", "line", "message"), [
    ("entity: sale\ngroup_by: [stagee]\n", 3, "unknown field 'stagee' of sale (did you mean 'stage'?)"),
    ("entity: sale\nmeasures:\n  total: {sum: notes}\n", 4, "cannot sum 'notes', a text field"),
    ("entity: sale\nchart: pyramid\n", 3, "'chart' of report 'bad' must be one of"),
    ("entity: sale\ngroup_by: [secret]\nroles: [seller]\n", 3, "'secret' is hidden from role 'seller'"),
    ("entity: sale\nmeasures: {n: count}\nsort: -size\n", 4, "sort by 'size'"),
    ("entity: sale\nmeasures:\n  r: {ratio: [won, all]}\n", 4, "'won' is not a count"),
    ("entity: sale\ngroup_by: [stage, buyer, name]\n", 3, "at most 2 group_by fields"),
    ("entity: sale\nfilters: {stage__like: x}\n", 3, "unknown operator 'like'"),
    ("entity: sael\n", 2, "unknown entity 'sael'"),
    ("entity: sale\ncolour: red\n", 3, "unknown key 'colour'"),
])
def test_a_bad_report_is_an_error_at_its_file_and_line(org, body, line, message):
    path = write(org, "bad", "report: bad\n" + body)
    found = problems(org)
    assert any(p.startswith(f"{path.relative_to(org)}:{line}:") and message in p for p in found), found


def test_a_group_by_on_a_field_hidden_from_a_role_that_may_read_the_entity_is_refused_without_roles_listed(org):
    write(org, "bad", "report: bad\nentity: sale\ngroup_by: secret\n")
    assert any("'secret' is hidden from role 'seller'" in p for p in problems(org))


def test_a_later_layer_extends_a_report_merging_measures_and_replacing_the_chart(org, tmp_path):
    write(org, "base", "report: base\nentity: sale\ngroup_by: stage\nmeasures: {n: count}\nchart: bar\n")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "more.yaml").write_text("extends: base\nmeasures: {amount: {sum: amount}}\nchart: pie\n")
    metadata = load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation"),
                     Layer("extra", str(extra), "organisation")])
    report = metadata.reports["base"]
    assert [m.name for m in report.measures] == ["n", "amount"] and report.chart == "pie"


def test_a_report_defined_twice_names_the_first_file(org):
    write(org, "one", "report: same\nentity: sale\n")
    write(org, "two", "report: same\nentity: sale\n")
    assert any("report 'same' is already defined in" in p for p in problems(org))


def test_a_dashboard_places_a_report_by_name_and_an_unknown_one_is_an_error(org):
    write(org, "by_stage", "report: by_stage\nentity: sale\ngroup_by: stage\n")
    (org / "metadata" / "board.yaml").write_text(
        "dashboard: board\nwidgets:\n  - {report: by_stage, size: large}\n  - {report: by_stag}\n")
    found = problems(org)
    assert any(p.startswith("metadata/board.yaml:4:") and "unknown report 'by_stag'" in p for p in found), found
    (org / "metadata" / "board.yaml").write_text("dashboard: board\nwidgets:\n  - {report: by_stage, size: large}\n")
    placed = load_org(org).dashboards["board"].widgets
    assert [(w.report, w.size) for w in placed] == [("by_stage", "large")]


def test_the_json_schema_accepts_a_report_and_refuses_an_unknown_chart(org):
    validator = jsonschema.Draft202012Validator(metadata_schema())
    path = write(org, "ok", """\
        report: ok
        entity: sale
        group_by: [{field: closed_at, bucket: week}]
        measures: {n: count, amount: {sum: amount, where: {stage: won}}, r: {ratio: [amount, n]}}
        chart: area
        """)
    document = read_file(path)
    assert validator.is_valid(document)
    assert not validator.is_valid({**document, "chart": "pyramid"})
