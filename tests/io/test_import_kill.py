"""An import whose process is killed (SIGKILL: no clean-up code runs) resumes, on the next run,
after the last committed batch: each row ends up in the database exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

KILLER = """
    import os
    import signal

    from trellis import hookimpl

    seen = 0


    @hookimpl
    def before_save(record, changes, context):
        global seen
        if record.entity == "contact" and os.environ.get("KILL_AT"):
            seen += 1
            if seen == int(os.environ["KILL_AT"]):
                os.kill(os.getpid(), signal.SIGKILL)
"""
NAMES = [f"Row{n}" for n in range(1, 13)]


def run_import(trellis_config, site, path, kill_at=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    env.update(TRELLIS_ORG_DIR=trellis_config["ORG_DIR"], TRELLIS_DATABASE_URL=trellis_config["DATABASE_URL"],
               TRELLIS_PLUGINS="contacts,killer", PYTHONPATH=os.pathsep.join([str(site), env.get("PYTHONPATH", "")]))
    if kill_at:
        env["KILL_AT"] = str(kill_at)
    return subprocess.run([sys.executable, "-m", "trellis.cli", "import", "contact", str(path), "--batch-size", "5"],
                          cwd=path.parent, env=env, capture_output=True, text=True, timeout=180)


def test_a_killed_import_resumes_and_writes_each_row_exactly_once(svc, write, installed_plugin, trellis_config):
    site = installed_plugin("killer", depends=["contacts"], code=KILLER).parent
    path = write("people.csv", "last_name,city\n" + "".join(f"{name},Oslo\n" for name in NAMES))

    killed = run_import(trellis_config, site, path, kill_at=8)  # inside the second batch of five
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert [c["last_name"] for c in svc.query("contact").order_by("id").page(size=50).rows] == NAMES[:5]

    resumed = run_import(trellis_config, site, path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "after 5 rows" in resumed.stderr
    assert [c["last_name"] for c in svc.query("contact").order_by("id").page(size=50).rows] == NAMES
