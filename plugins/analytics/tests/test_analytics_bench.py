"""bench/analytics.py works end to end on a tiny SQLite data set (no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[3] / "bench" / "analytics.py"


def test_the_bench_times_every_step_and_extrapolates(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--db", f"sqlite:///{tmp_path / 'a.sqlite'}",
                           "--org", str(tmp_path / "org"), "--contacts", "60", "--orders", "300", "--products", "8",
                           "--min-support", "0.01"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "| contacts / orders / order lines | 60 / 300 / 600 |" in done.stdout
    assert "first run: the same, writing all" in done.stdout and "job process peak RSS" in done.stdout
    assert "| contacts written by the second run | 0 |" in done.stdout
    assert " 0 rules" not in done.stdout
