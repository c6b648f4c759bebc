"""``trellis workflow draw NAME``: the workflow as an SVG diagram."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from automation_helpers import write_org

PIPELINE = {
    "workflows/customer.yaml": """
        workflow: customer_levels
        entity: customer
        field: level
        states:
          bronze: {label: Bronze}
          gold: {final: true, won: true}
        transitions:
          promote: {from: bronze, to: gold}
          demote: {from: "*", to: bronze}
    """,
}
SVG = "{http://www.w3.org/2000/svg}"


def draw(org, *args):
    # contacts only: the test organisation's own `task` entity would clash with the projects plugin's
    env = {**os.environ, "TRELLIS_PLUGINS": "contacts"}
    return subprocess.run([sys.executable, "-m", "trellis.cli", "workflow", "draw", *args], cwd=org,
                          capture_output=True, text=True, timeout=60, env=env)


def test_a_workflow_is_drawn_as_svg_with_every_state_and_transition(tmp_path):
    write_org(tmp_path, PIPELINE)
    out = draw(tmp_path, "customer_levels")
    assert out.returncode == 0, out.stderr
    svg = ET.fromstring(out.stdout)
    assert svg.tag == f"{SVG}svg"
    states = {g.get("data-state") for g in svg.iter(f"{SVG}g") if g.get("data-state")}
    moves = {g.get("data-transition") for g in svg.iter(f"{SVG}g") if g.get("data-transition")}
    assert states == {"bronze", "gold", "*"} and moves == {"promote", "demote"}
    assert "Bronze" in out.stdout and "any state" in out.stdout


def test_drawing_an_unknown_workflow_names_the_known_ones(tmp_path):
    write_org(tmp_path, PIPELINE)
    out = draw(tmp_path, "nope")
    assert out.returncode == 1
    assert "trellis: error: no workflow 'nope' (known: " in out.stderr and "customer_levels" in out.stderr
