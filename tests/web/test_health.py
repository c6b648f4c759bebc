"""/healthz and what ``import trellis`` does not do."""

import subprocess
import sys


def test_healthz_reports_ok_and_the_database(client, db_url):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": db_url.split(":")[0].split("+")[0]}


def test_import_trellis_starts_no_app_and_reads_no_file(tmp_path):
    probe = (
        "import builtins, io, sys\n"
        "opened = []\n"
        "real_open, real_io_open = builtins.open, io.open\n"
        "def spy(file, *a, **k):\n"
        "    opened.append(str(file)); return real_open(file, *a, **k)\n"
        "builtins.open = io.open = spy\n"
        "import trellis, trellis_plugins\n"
        "assert 'flask' not in sys.modules or not __import__('flask').has_app_context()\n"
        "print(len(opened))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
    assert list(tmp_path.iterdir()) == []
