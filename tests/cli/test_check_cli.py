"""``trellis check`` and ``trellis schema`` as an admin runs them: a real process, no database."""

import json
import os
import subprocess
import sys
from pathlib import Path


def trellis(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    return subprocess.run([sys.executable, "-m", "trellis.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_on_the_shipped_core_and_plugin_yaml_exits_0_with_a_summary(tmp_path):
    result = trellis("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(", 0 errors")
    assert " entities, " in result.stdout and not list(tmp_path.iterdir())  # no database, no instance folder


def test_check_prints_every_problem_with_path_line_and_column_and_exits_1(tmp_path):
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "gadget.yaml").write_text("entity: gadget\nfields:\n  name: {type: strng}\n"
                                                     "  owner: {type: link, to: nobody}\n")
    result = trellis("check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "metadata/gadget.yaml:3:16: error: field 'gadget.name' has unknown type 'strng' (did you mean 'string'?)",
        "metadata/gadget.yaml:4:10: error: field 'gadget.owner' links to unknown entity 'nobody'"]
    assert result.stderr.strip() == "2 errors"


def test_check_takes_the_organisation_folder_as_an_argument(tmp_path):
    org = tmp_path / "acme"
    (org / "metadata").mkdir(parents=True)
    (org / "metadata" / "bad.yaml").write_text("entity: bad\n")
    result = trellis("check", "acme", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.strip() == "acme/metadata/bad.yaml:1:1: error: entity 'bad' needs 'fields'"


def test_check_accepts_a_folder_that_holds_the_yaml_directly(tmp_path):
    (tmp_path / "yaml").mkdir()
    (tmp_path / "yaml" / "venture.yaml").write_text("entity: venture\nfields: {name: string}\n")
    result = trellis("check", "yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "empty").mkdir()
    baseline = trellis("check", "empty", cwd=tmp_path)
    count = int(result.stdout.split()[0])
    assert count == int(baseline.stdout.split()[0]) + 1


def test_schema_prints_a_draft_2020_12_json_schema(tmp_path):
    result = trellis("schema", cwd=tmp_path)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # entity, workflow, automation, roles, dashboard, report, 4 kinds of extends, and the installed plugins' own kinds
    plugin_kinds = [kind["required"] for kind in schema["anyOf"][10:]]
    assert len(schema["anyOf"]) == 10 + len(plugin_kinds) and ["loyalty"] in plugin_kinds  # loyalty:, ...


def test_check_passes_on_a_freshly_scaffolded_organisation(tmp_path):
    result = trellis("init", "org", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    check = trellis("check", "org", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_check_ignores_unrelated_yaml_in_an_organisation_folder_without_metadata(tmp_path):
    (tmp_path / "docker-compose.yml").write_text("services: {db: {image: postgres}}\n")
    result = trellis("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_on_the_repository_demo_organisation_exits_0():
    root = Path(__file__).resolve().parents[2]
    result = trellis("check", str(root), cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_names_an_unknown_dashboard_widget_with_its_line_and_a_suggestion(tmp_path):
    (tmp_path / "metadata" / "dashboards").mkdir(parents=True)
    (tmp_path / "metadata" / "dashboards" / "mine.yaml").write_text(
        "dashboard: mine\nwidgets:\n  - sales_forecast\n  - sales_targts\n")
    result = trellis("check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("metadata/dashboards/mine.yaml:4:5: error: dashboard 'mine': unknown widget "
                                    "'sales_targts' (did you mean 'sales_targets'?)")
