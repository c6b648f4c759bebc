"""The ``trellis`` command: every sub-command answers --help; setup commands work."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from trellis.cli import cli, main

COMMANDS = ["serve", "demo", "init", "check", "migrate", "plugins", "schema", "prune-columns",
            "user", "import", "export", "worker", "scheduler", "token"]


def run(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "trellis.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_every_design_command_is_listed():
    assert set(COMMANDS) <= set(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_help(command, tmp_path):
    out = run(command, "--help", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Usage:" in out.stdout


def test_init_scaffolds_an_organisation_folder(tmp_path):
    out = run("init", str(tmp_path / "acme"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "acme" / "trellis.yaml").is_file()
    assert (tmp_path / "acme" / "metadata" / "entities").is_dir()
    assert (tmp_path / "acme" / "themes").is_dir()


def test_init_writes_everything_into_the_folder_and_says_how_to_add_a_user(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    out = run("init", "acme", cwd=here)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in here.iterdir()) == ["acme"]  # nothing else in the current folder
    key = here / "acme" / "instance" / "secret_key"
    assert key.is_file() and len(key.read_text().strip()) == 64
    assert "trellis user add you@example.com --role admin" in out.stdout
    assert out.stdout.splitlines()[-1].startswith("Next: cd acme && trellis check && trellis migrate")


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "keep.txt").write_text("mine")
    out = run("init", str(tmp_path / "acme"))
    assert out.returncode == 1
    assert "not empty" in out.stderr
    assert (tmp_path / "acme" / "keep.txt").read_text() == "mine"


def test_malformed_database_url_is_one_line_naming_the_setting(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRELLIS_DATABASE_URL", "nonsense")
    monkeypatch.chdir(tmp_path)
    # (`trellis demo` uses its own ./trellis-demo.sqlite, so it is not affected by the setting.)
    with pytest.raises(SystemExit) as caught:
        main(["migrate", "--dry-run"])
    assert caught.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("trellis: error: TRELLIS_DATABASE_URL")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_healthz_and_prints_the_url(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    proc = subprocess.Popen([sys.executable, "-m", "trellis.cli", "demo", "--size", "small", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.2)
        assert body is not None, "demo did not answer /healthz"
        assert '"status":"ok"' in body.replace(" ", "")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output
    assert (tmp_path / "trellis-demo.sqlite").exists()


def test_demo_no_serve_prepares_the_database_and_prints_no_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    out = subprocess.run([sys.executable, "-m", "trellis.cli", "demo", "--no-serve", "--size", "small"],
                         cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Demo database ready: trellis-demo.sqlite" in out.stdout
    assert "http://" not in out.stdout      # nothing is served, so no address to open
    assert (tmp_path / "trellis-demo.sqlite").exists()
