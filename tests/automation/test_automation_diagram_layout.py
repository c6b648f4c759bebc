"""Workflow diagrams: labels never overlap (every shipped workflow, English and Persian) and Persian is mirrored."""

from __future__ import annotations

import itertools
import re

import pytest
from trellis.automation.diagram import draw, layout, overlaps
from trellis.runtime import runtime
from trellis.testing.web import post, signed_in_client

LOCALES = ("en", "fa")
SHIPMENT = """\
entity: shipment
fields:
  name: {type: string}
  status: {type: selection, default: packed, options: [packed, sent, lost]}
"""
SHIPPING = """\
workflow: shipping
entity: shipment
field: status
states: {packed: {}, sent: {final: true, won: true}, lost: {final: true, lost: true}}
transitions:
  send: {from: packed, to: sent, label: {en: Send, fa: ارسال}}
  lose: {from: "*", to: lost, label: {en: Report lost, fa: گزارش گم‌شدن}}
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    for name, text in (("shipment.yaml", SHIPMENT), ("shipping.yaml", SHIPPING)):
        (Path(trellis_config["ORG_DIR"]) / "metadata" / name).write_text(text, encoding="utf-8")
    return trellis_config


def _workflows(app):
    return list(runtime(app).metadata.workflows.values())


def test_every_shipped_workflow_and_one_from_any_state_has_labels_that_overlap_no_other_label_and_no_state(app):
    workflows = _workflows(app)
    assert {"deal", "lead", "quote", "ticket", "time_off_request", "shipment"} <= {w.entity for w in workflows}
    for workflow, locale in itertools.product(workflows, LOCALES):
        drawing = layout(workflow, locale)
        labels, states = drawing.label_boxes(), drawing.state_boxes()
        assert len(labels) >= 1, workflow.name
        for a, b in itertools.combinations(labels, 2):
            assert not overlaps(a, b), (workflow.name, locale, a, b)
        for a, b in itertools.product(labels, states):
            assert not overlaps(a, b), (workflow.name, locale, a, b)
        for x0, y0, x1, y1 in labels + states:
            assert 0 <= x0 < x1 <= drawing.width and 0 <= y0 < y1 <= drawing.height, (workflow.name, locale)


def test_overlaps_counts_shared_area_not_a_shared_edge():
    assert overlaps((0, 0, 10, 10), (5, 5, 15, 15))
    assert not overlaps((0, 0, 10, 10), (10, 0, 20, 10))
    assert not overlaps((0, 0, 10, 10), (0, 11, 10, 20))


@pytest.fixture
def deal_workflow(app):
    return next(w for w in _workflows(app) if w.entity == "deal")


def test_in_persian_the_states_flow_right_to_left_and_the_arrows_point_left(deal_workflow):
    en, fa = layout(deal_workflow, "en"), layout(deal_workflow, "fa")
    assert en.places["new"][0] < en.places["qualified"][0] < en.places["won"][0]
    assert fa.places["new"][0] > fa.places["qualified"][0] > fa.places["won"][0]
    qualify_en = next(a for a in en.arrows if a.name == "qualify")
    qualify_fa = next(a for a in fa.arrows if a.name == "qualify")
    assert qualify_en.points[4] > qualify_en.points[0] and qualify_fa.points[4] < qualify_fa.points[0]
    assert fa.width == en.width and fa.places["new"][0] == fa.width - en.places["new"][0] - 150


def test_the_persian_svg_is_right_to_left_with_persian_labels(deal_workflow):
    svg = draw(deal_workflow, "fa")
    assert 'direction="rtl"' in svg and "برنده" in svg
    assert 'direction="rtl"' not in draw(deal_workflow, "en")


def test_the_workflow_page_of_a_persian_user_shows_the_mirrored_diagram(app):
    web = signed_in_client(app)
    post(web, "/preferences", {"locale": "fa"})
    page = web.get("/app/deal/workflow").get_data(as_text=True)
    assert re.search(r'<svg [^>]*direction="rtl"', page)


def test_trellis_workflow_draw_takes_a_locale(app):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo
    from trellis.cli import cli

    result = CliRunner().invoke(cli, ["workflow", "draw", "deal_pipeline", "--locale", "fa"],
                                obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert 'direction="rtl"' in result.output


def test_the_any_state_box_is_named_in_the_users_language(app):
    web = signed_in_client(app)
    post(web, "/preferences", {"locale": "fa"})
    page = web.get("/app/shipment/workflow").get_data(as_text=True)
    assert "هر وضعیت" in page and "any state" not in page
