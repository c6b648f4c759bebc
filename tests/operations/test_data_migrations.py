"""Plugins' data migrations (the ``data_migrations()`` hook): ``trellis migrate`` runs each once and records it;
one that fails is rolled back whole and runs again next time."""

from __future__ import annotations

import pytest
from trellis import DataMigration, hookimpl


class Renamer:
    """A plugin whose second release cleans up the notes the first one wrote."""

    name = "renamer"
    depends = ()

    def __init__(self, fail_after_first_write: bool = False):
        self.fail_after_first_write = fail_after_first_write
        self.runs = 0

    def tidy_notes(self, context):
        self.runs += 1
        for row in context.records.query("customer").page().rows:
            context.records.update("customer", row["id"], {"note": (row["note"] or "").strip().lower()})
            if self.fail_after_first_write:
                raise RuntimeError("the plugin's bug")

    @hookimpl
    def data_migrations(self):
        return [DataMigration("tidy_notes", self.tidy_notes)]


@pytest.fixture
def plugin():
    return Renamer()


@pytest.fixture
def trellis_config(trellis_config, plugin):
    return {**trellis_config, "EXTRA_PLUGINS": [plugin]}


def _migrate(app, *args):
    from trellis.cli import entry

    return app.test_cli_runner().invoke(entry.cli, ["migrate", *args])


def test_a_plugins_data_migration_runs_once_and_is_recorded(app, records, plugin):
    ann = records.create("customer", {"name": "Ann", "note": "  CALLED Monday "})
    assert "would run data migration renamer:tidy_notes" in _migrate(app, "--dry-run").output
    assert plugin.runs == 0                                           # a dry run runs nothing

    done = _migrate(app)

    assert done.exit_code == 0, done.output
    assert "Ran data migration renamer:tidy_notes." in done.output
    assert records.get("customer", ann.id)["note"] == "called monday"
    again = _migrate(app)
    assert again.exit_code == 0 and "tidy_notes" not in again.output and plugin.runs == 1


def test_a_data_migration_that_fails_changes_nothing_and_runs_again_next_time(app, records, plugin):
    first = records.create("customer", {"name": "Ann", "note": " ONE "})
    records.create("customer", {"name": "Bob", "note": " TWO "})
    plugin.fail_after_first_write = True

    failed = _migrate(app)

    assert failed.exit_code == 1
    assert "a data migration failed and was rolled back: RuntimeError: the plugin's bug" in failed.output
    assert records.get("customer", first.id)["note"] == " ONE "      # the first write was rolled back
    assert [c.field for c in records.history("customer", first.id)].count("note") == 1   # only its creation
    plugin.fail_after_first_write = False
    assert _migrate(app).exit_code == 0 and plugin.runs == 2
    assert records.get("customer", first.id)["note"] == "one"
