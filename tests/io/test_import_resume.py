"""A crash in the middle of an import loses nothing reported as imported; running it again resumes."""

from __future__ import annotations

import csv

import pytest
from trellis import hookimpl
from trellis.io.csv_import import ImportOptions, import_file
from trellis.plugins import PluginError


class Crash:
    """A plugin whose before_save dies (like a killed process) on the Nth contact it sees, once."""

    name = "crash"
    version = "1.0.0"

    def __init__(self):
        self.at = None
        self.seen = 0

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity == "contact" and self.at is not None:
            self.seen += 1
            if self.seen == self.at:
                raise RuntimeError("power cut")


@pytest.fixture
def crash():
    return Crash()


@pytest.fixture
def trellis_config(trellis_config, crash):
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [crash]}


ROWS = ["Row1", "Row2", "", "Row4", "Row5", "Row6", "Row7", "Row8", "Row9", "Row10", "", "Row12"]


def people(write):
    # The rows without a last name fail (it is required): rows 4 and 12 of the spreadsheet.
    return write("people.csv", "last_name,city\n" + "".join(f"{name},Oslo\n" for name in ROWS))


def test_rerunning_after_a_crash_imports_each_row_exactly_once(app, svc, cli, write, crash, tmp_path):
    path = people(write)
    crash.at = 7  # the 7th contact written: inside the second batch of five rows
    with pytest.raises(PluginError, match="power cut"):
        import_file(app, "contact", path, ImportOptions(batch_size=5))
    assert sorted(c["last_name"] for c in svc.query("contact").page().rows) == ["Row1", "Row2", "Row4", "Row5"]
    crash.at = None
    code, out, err = cli("import", "contact", path, "--batch-size", "5")
    assert "Resuming import #1 after 5 rows" in err
    names = [c["last_name"] for c in svc.query("contact").order_by("id").page(size=100).rows]
    assert names == [n for n in ROWS if n]
    assert "10 created, 0 updated, 0 skipped as duplicates, 2 failed" in out
    assert code == 1


def test_failures_of_a_resumed_import_are_in_the_error_file_once(app, svc, cli, write, crash, tmp_path):
    path = people(write)
    crash.at = 7
    with pytest.raises(PluginError):
        import_file(app, "contact", path, ImportOptions(batch_size=5))
    crash.at = None
    cli("import", "contact", path, "--batch-size", "5")
    with (tmp_path / "people-errors.csv").open(encoding="utf-8-sig", newline="") as f:
        assert [r["_row"] for r in csv.DictReader(f)] == ["4", "12"]


def test_a_finished_import_is_recorded_as_done(app, svc, write):
    from trellis.io.tables import ensure

    path = people(write)
    result = import_file(app, "contact", path, ImportOptions(batch_size=5))
    imports = ensure(app).imports
    with app.app_context():
        from trellis.data.database import db

        row = db.session.execute(imports.select()).mappings().one()
    assert (row["status"], row["rows_done"], row["created"], row["failed"]) == ("done", 12, 10, 2)
    assert result.created == 10


def test_an_import_leaves_no_object_frozen_for_the_garbage_collector(app, svc, write):
    import gc

    path = people(write)
    seen = []
    import_file(app, "contact", path, ImportOptions(batch_size=5),
                progress=lambda n: seen.append(gc.get_freeze_count()))
    assert seen and all(count > 0 for count in seen)  # while it runs, what existed before is left alone
    assert gc.get_freeze_count() == 0


def test_an_import_ending_inside_another_leaves_the_other_frozen_until_it_ends(app, svc, write, tmp_path):
    import gc
    import threading

    other = tmp_path / "other.csv"
    other.write_text("first_name,last_name,email\nZed,Zulu,zed@example.com\n", encoding="utf-8")
    seen = []

    def progress(rows):
        if not seen:  # the first batch of the outer import: run a whole second one, as another job would
            worker = threading.Thread(target=import_file, args=(app, "contact", other, ImportOptions()))
            worker.start()
            worker.join()
        seen.append(gc.get_freeze_count())

    import_file(app, "contact", people(write), ImportOptions(batch_size=5), progress=progress)
    assert len(seen) > 1 and all(count > 0 for count in seen)
    assert gc.get_freeze_count() == 0


def test_a_crashed_import_leaves_no_object_frozen_either(app, svc, write, crash):
    import gc

    crash.at = 7
    with pytest.raises(PluginError):
        import_file(app, "contact", people(write), ImportOptions(batch_size=5))
    assert gc.get_freeze_count() == 0
