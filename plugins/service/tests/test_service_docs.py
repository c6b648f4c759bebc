"""The YAML of docs/service.md passes `trellis check`; a mistake in an `sla:` document is an error at its line."""

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).parents[3] / "docs" / "service.md"
CALENDAR = "business_calendar: sofia_desk\ntimezone: Europe/Sofia\nhours: ['09:00-18:00']\n"


def _check(tmp_path, files):
    metadata = tmp_path / "org" / "metadata"
    metadata.mkdir(parents=True)
    for name, text in files.items():
        (metadata / name).write_text(text, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    return subprocess.run([sys.executable, "-m", "trellis.cli", "check", "org"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_yaml_in_the_service_guide_passes_trellis_check(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 2
    files = {f"doc{index}.yaml": block for index, block in enumerate(blocks)}
    result = _check(tmp_path, {**files, "desk.yaml": CALENDAR})
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_target_is_an_error_at_its_line(tmp_path):
    result = _check(tmp_path, {"slow.yaml": "sla: slow\nresolution_hours: -4\nnear_breach_percent: 120\n"})
    assert result.returncode == 1
    assert "slow.yaml:2:19: error: 'resolution_hours' of SLA policy 'slow' must be a number of hours above 0" \
        in result.stdout
    assert "slow.yaml:3:22: error: 'near_breach_percent' of SLA policy 'slow' must be 1 to 99" in result.stdout
