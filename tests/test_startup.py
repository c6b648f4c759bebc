"""What starting the app does not do: import what only some commands or pages need, touch the database.

Each check runs ``create_app`` with every installed plugin in a fresh interpreter, the
way ``gunicorn wsgi:app`` or a ``trellis`` command starts, and looks at ``sys.modules``.
"""

import json
import os
import subprocess
import sys

# Libraries only some commands, pages or jobs need; none may be imported to start the app.
ON_FIRST_USE = {
    "alembic": "trellis migrate / prune-columns",
    "celery": "trellis worker / scheduler with a broker",
    "kombu": "Celery's transport",
    "openpyxl": "XLSX import and export",
    "fpdf": "PDF quotes",
    "croniter": "the scheduler's first tick",
    "jinja2.sandbox": "rendering an automation's email",
    "smtplib": "sending email",
    "hypothesis": "tests only",
    "schemathesis": "tests only",
}


def start_app(tmp_path, after: str) -> str:
    """Run ``create_app`` on a SQLite file in ``tmp_path``, then ``after``; returns what it printed."""
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite'}", "ORG_DIR": str(tmp_path),
              "SECRET_KEY": "start-up test"}
    probe = f"import json, sys\nfrom trellis import create_app\napp = create_app(json.loads({json.dumps(config)!r}))\n"
    done = subprocess.run([sys.executable, "-c", probe + after], cwd=tmp_path, capture_output=True, text=True,
                          check=True, timeout=300)
    return done.stdout


def test_creating_the_app_imports_no_library_that_only_some_commands_or_pages_need(tmp_path):
    out = start_app(tmp_path, f"print(json.dumps(sorted(set({sorted(ON_FIRST_USE)!r}) & set(sys.modules))))")
    imported = json.loads(out)
    assert imported == [], {name: ON_FIRST_USE[name] for name in imported}


def test_creating_the_app_opens_no_database_connection(tmp_path):
    # Tables are built in memory from the metadata; creating or comparing them is `trellis migrate`'s job.
    out = start_app(tmp_path, "print(sorted(p.name for p in __import__('pathlib').Path('.').iterdir()))")
    assert "start.sqlite" not in out


def test_trellis_check_loads_neither_the_orm_nor_the_pages(tmp_path):
    # `trellis check` reads YAML only; editors may run it on every save, so it starts lean.
    probe = ("import sys\nfrom trellis.cli import main\n"
             "try:\n    main(['check', '.'])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
             "print(sorted({'sqlalchemy.orm', 'flask_sqlalchemy', 'flask_wtf', 'trellis.web.pages',"
             " 'trellis.data.records', 'trellis.automation.jobs', 'trellis.api.tokens'} & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True,
                          timeout=300, env={**os.environ, "TRELLIS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert "0 errors" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]"
