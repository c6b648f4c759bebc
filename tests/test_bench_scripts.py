"""bench/generate.py and bench/run.py work end to end on a tiny data set (no timing is asserted)."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _generate(tmp_path, contacts=300):
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    done = subprocess.run([sys.executable, str(BENCH / "generate.py"), "--contacts", str(contacts), "--companies", "20",
                           "--db", url, "--org", str(tmp_path / "org")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return url, done.stdout


def test_generate_fills_the_contact_table_with_searchable_rows_of_the_org_layer(tmp_path):
    import sqlite3

    url, output = _generate(tmp_path)
    assert "generated 300 contacts" in output
    with sqlite3.connect(tmp_path / "bench.sqlite") as connection:
        count, searchable, staged = connection.execute(
            "SELECT count(*), count(_search), count(stage) FROM contact").fetchone()
    assert (count, searchable, staged) == (300, 300, 300)


def test_run_reports_every_workload_with_a_floor_and_writes_json(tmp_path):
    url, _ = _generate(tmp_path)
    out = tmp_path / "results" / "tiny.md"
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--db", url, "--org", str(tmp_path / "org"),
                           "--requests", "3", "--warmup", "1", "--clients", "0", "--import-rows", "0",
                           "--startup-runs", "1", "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert set(report["workloads"]) == {"W0", "W1", "W2", "W3", "W4", "W5", "W6", "W7"}
    assert "fewer than 50,000 contacts" in report["workloads"]["W4"]["note"]
    assert report["workloads"]["W1"]["floor_median"] > 0
    assert report["queries"]["W1"] >= 1
    assert "| W1 contact list, page 1 |" in out.read_text(encoding="utf-8")


def test_scoped_hooks_compares_no_plugins_with_scoped_and_unscoped_ones(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "scoped_hooks.py"), "--rows", "20", "--runs", "1"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Hook dispatch per row" in done.stdout
    assert [line.split()[1] for line in done.stdout.splitlines() if line.startswith("  CPU")] == [
        "none", "scoped", "unscoped"]


def test_reports_times_the_pivot_and_the_dashboard_as_the_system_and_as_a_seller(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "reports.py"), "--rows", "300", "--repeat", "1"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = [line.split(":")[0].strip() for line in done.stdout.splitlines() if "dashboard of 6" in line]
    assert lines == ["system", "seller"]


def test_reports_reuses_a_kept_folder_with_covering_indexes_and_times_writes(tmp_path):
    arguments = [sys.executable, str(BENCH / "reports.py"), "--rows", "200", "--repeat", "1", "--folder",
                 str(tmp_path), "--covering", "--writes", "30"]
    first = subprocess.run(arguments, capture_output=True, text=True, timeout=600)
    second = subprocess.run(arguments, capture_output=True, text=True, timeout=600)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "[owner, stage, close, amount]" in (tmp_path / "metadata" / "bench_deal.yaml").read_text()
    for done in (first, second):
        boards = [line for line in done.stdout.splitlines() if "dashboard of 6" in line]
        assert len(boards) == 2 and all(" cold " in line and " warm " in line for line in boards)
        assert "30 deals created through the record service" in done.stdout
    assert "reused" not in first.stdout and "rows of an earlier run reused" in second.stdout


def test_hr_rules_compares_the_manager_chain_with_a_flat_rule(tmp_path):
    arguments = ["--people", "60", "--depth", "3", "--repeat", "1"]
    done = subprocess.run([sys.executable, str(BENCH / "hr_rules.py"), *arguments],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "60 persons, 3 levels below the root" in done.stdout
    assert "(60 rows readable)" in done.stdout and "ratio chain / flat" in done.stdout


def test_service_ingest_delivers_every_message_and_reports_the_rate(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "service_ingest.py"), "--messages", "9", "--customers", "3"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "ingested 9 messages" in done.stdout and "messages/s" in done.stdout
    assert "6 tickets opened, 3 replies threaded, 9 messages stored" in done.stdout


def test_loyalty_earn_earns_every_order_and_runs_both_nights(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "loyalty_earn.py"), "--orders", "30", "--members", "10"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "earning: 30 orders in" in done.stdout and "(30 ledger entries" in done.stdout
    assert "orders per CPU second" in done.stdout
    assert "tomorrow: 10 members in" in done.stdout and "in 30 months: 10 members in" in done.stdout
    assert "(10 expiry entries in all)" in done.stdout
