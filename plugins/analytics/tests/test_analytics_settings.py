"""The ``analytics:`` document: mistakes are ``trellis check`` errors at their line; editors get its schema."""

import json
import os
import subprocess
import sys

import pytest

BROKEN = """\
analytics: ours
window_days: 0
segments:
  champions: {r: [5, 4], f: [4, 5]}
  sleepy: {r: [1, 2], x: [1, 1]}
churn: {lost_ratio: 1, high: 101}
clv: {lifetime_years: "long"}
association: {min_support: 2}
"""


def trellis(tmp_path, *args, text=None):
    org = tmp_path / "shop"
    (org / "metadata").mkdir(parents=True, exist_ok=True)
    if text is not None:
        (org / "metadata" / "analytics.yaml").write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    return subprocess.run([sys.executable, "-m", "trellis.cli", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_every_mistake_in_the_settings_is_an_error_at_its_line(tmp_path):
    result = trellis(tmp_path, "check", "shop", text=BROKEN)
    assert result.returncode == 1
    out = result.stdout
    assert "analytics.yaml:2:14: error: 'window_days' of the analytics settings must be at least 1" in out
    assert ("analytics.yaml:4:18: error: 'r' of segment 'champions' must be [low, high], scores from 1 to 5, "
            "low first") in out
    assert "analytics.yaml:5:23: error: unknown key 'x' in segment 'sleepy'" in out
    assert "analytics.yaml:6:21: error: 'lost_ratio' of 'churn' of the analytics settings must be from 1.01" in out
    assert "analytics.yaml:6:30: error: 'high' of 'churn' of the analytics settings must be at most 100" in out
    assert "analytics.yaml:7:24: error: 'lifetime_years' of 'clv' of the analytics settings must be a number" in out
    assert "analytics.yaml:8:28: error: 'min_support' of 'association' of the analytics settings must be from 0" in out


def test_the_shipped_settings_pass_and_the_schema_describes_the_document(tmp_path):
    assert trellis(tmp_path, "check", "shop").returncode == 0
    schema = json.loads(trellis(tmp_path, "schema").stdout)
    text = json.dumps(schema)
    assert "RFM window and segments" in text and '"lost_ratio"' in text


def test_the_organisations_document_wins_over_the_plugins(trellis_app, analytics_yaml):
    from trellis_plugins.analytics.settings import current

    with trellis_app.app_context():
        settings = current()
    assert (settings.window_days, settings.paid_states, [s.name for s in settings.segments]) == (
        180, ("invoiced",), ["vip"])


@pytest.fixture
def analytics_yaml():
    return "analytics: ours\nwindow_days: 180\npaid_states: invoiced\nsegments: {vip: {m: [5, 5]}}\n"
