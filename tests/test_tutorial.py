"""docs/tutorial.md, run: every ```bash block through the real ``trellis`` command and
every ```yaml/```csv ``file=`` block written where it says, in order, in a fresh folder;
then what the tutorial promises is checked through the record service and the web pages.

The plugin step is the one shortcut: instead of running pip (slow, and it would change
this test run's environment), the test gives the example plugin the entry point pip would
install, in a folder of its own on ``PYTHONPATH``, so ``trellis plugins`` discovers it the
same way.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
EXAMPLE = ROOT / "examples" / "trellis-plugin-example"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks():
    """The tutorial's fenced blocks, in order: (language, info string, body)."""
    return [(m.group(1), m.group(2).strip(), m.group(3)) for m in BLOCK.finditer(TUTORIAL.read_text())]


def fake_pip_install(site: Path) -> None:
    """What ``pip install`` leaves for entry-point discovery: a dist-info with entry_points.txt."""
    info = site / "trellis_plugin_example-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: trellis-plugin-example\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[trellis]\nwarranty = trellis_plugin_example\n")
    (site / "trellis_plugin_example.pth").write_text(str(EXAMPLE / "src") + "\n")


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """Run the tutorial once; returns (organisation folder, output of each bash block)."""
    top = tmp_path_factory.mktemp("tutorial")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cwd, outputs = top, []
    for language, info, body in blocks():
        if info.startswith("file="):
            target = cwd / info.removeprefix("file=")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
        elif language == "bash" and info == "install":
            assert re.fullmatch(r"pip install \S*examples/trellis-plugin-example\n", body), body
            fake_pip_install(top / "site")
            # A .pth file is read only from site-packages; PYTHONPATH takes both folders directly.
            env["PYTHONPATH"] = os.pathsep.join([str(top / "site"), str(EXAMPLE / "src")])
        elif language == "bash":
            script = f"set -euo pipefail\n{body}\npwd > {top / '.cwd'}\n"
            out = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                                 timeout=300)
            assert out.returncode == 0, f"{body}\n---\n{out.stdout}\n{out.stderr}"
            outputs.append(out.stdout)
            cwd = Path((top / ".cwd").read_text().strip())
    return cwd, outputs


def test_every_step_runs_and_the_checks_find_no_error(walked):
    org, outputs = walked
    assert org.name == "meadowlark"
    assert (org / "instance").is_dir() and (org / "trellis.yaml").is_file()
    for index in (0, 1, 3):        # the blocks that run trellis check
        assert ", 0 errors" in outputs[index], outputs[index]


def test_the_import_wrote_every_row_and_the_export_has_them(walked):
    org, _ = walked
    exported = (org / "repairs-export.csv").read_text()
    for item in ("Brass desk lamp", "Mantel clock", "Ceramic table lamp"):
        assert item in exported
    assert not (org / "repairs-errors.csv").exists() or len((org / "repairs-errors.csv").read_text().splitlines()) <= 1


def _app(org):
    from trellis import create_app

    return create_app({"ORG_DIR": str(org), "TESTING": True})


def test_the_workflow_requires_a_price_and_the_automation_books_the_call(walked):
    from trellis import ValidationError, system_records

    org, _ = walked
    app = _app(org)
    with app.app_context():
        records = system_records("tutorial", app)
        ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
        repair = records.create("repair", {"item": "Floor lamp", "customer": ann.id})
        records.transition("repair", repair.id, "start")
        with pytest.raises(ValidationError):
            records.transition("repair", repair.id, "finish")
        assert records.get("repair", repair.id)["status"] == "in_progress"
        assert records.query("activity").filter(contact=ann.id).page(size=10).rows == []
        records.transition("repair", repair.id, "finish", {"price": 30})
        calls = records.query("activity").filter(contact=ann.id).page(size=10).rows
        assert [(c["kind"], c["subject"]) for c in calls] == [("call", "Repair ready: Floor lamp")]


def test_the_desk_role_sees_its_dashboard_and_may_not_delete_repairs(walked):
    from trellis.testing.web import login

    org, _ = walked
    app = _app(org)
    client = app.test_client()
    assert login(client, "desk@example.com", "desk-password-42").status_code == 302
    page = client.get("/dashboards/workshop")
    assert page.status_code == 200
    assert "Repairs by status" in page.get_data(as_text=True)
    assert client.get("/dashboards/sales").status_code in (403, 404)


def test_the_installed_plugin_is_listed(walked):
    _, outputs = walked
    assert "warranty 0.1.0" in outputs[-1]
    assert ", 0 errors" in outputs[-1]
