"""``gunicorn wsgi:app`` (``import wsgi``): a start-up error a user can cause is a line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD_URL = ("trellis: error: TRELLIS_DATABASE_URL: cannot parse 'nonsense' "
           "(expected e.g. sqlite:///path/to/file.sqlite or postgresql+psycopg://user@host/db)")


def start(folder, command, **settings):
    """Run ``command`` in ``folder`` with ``wsgi.py`` importable and only ``settings`` among TRELLIS_*."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    env.update(settings, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    # The timeout only guards against a hang (e.g. a server that keeps restarting its workers).
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_a_bad_setting_is_one_line_naming_it_and_exit_status_2(tmp_path):
    done = start(tmp_path, [sys.executable, "-c", "import wsgi"], TRELLIS_DATABASE_URL="nonsense")
    assert done.returncode == 2
    assert done.stderr == BAD_URL + "\n"
    assert done.stdout == ""


def test_broken_yaml_is_one_line_per_problem_and_exit_status_1(tmp_path):
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "gadget.yaml").write_text("entity: gadget\nfields: {name: {type: strin}}\n")
    done = start(tmp_path, [sys.executable, "-c", "import wsgi"], TRELLIS_METADATA_DIR=str(tmp_path / "metadata"))
    assert done.returncode == 1
    assert done.stderr == ("metadata/gadget.yaml:2:23: error: field 'gadget.name' has unknown type 'strin' "
                           "(did you mean 'string'?)\n")


def test_gunicorn_stops_after_one_failed_worker_instead_of_restarting_it(tmp_path):
    pytest.importorskip("gunicorn", reason="gunicorn is not installed (it is not a test dependency)")
    done = start(tmp_path, [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", "127.0.0.1:0",
                            "--workers", "1", "wsgi:app"], TRELLIS_DATABASE_URL="nonsense")
    assert done.returncode == 3  # gunicorn's "Worker failed to boot."
    assert done.stderr.count(BAD_URL) == 1
    assert "Traceback" not in done.stderr
