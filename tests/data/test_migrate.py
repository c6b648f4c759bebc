"""``trellis migrate`` and ``trellis prune-columns``: the schema follows the YAML and no data is lost."""

import csv
import sqlite3
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from trellis.app import create_app
from trellis.cli import main
from trellis.data.database import db
from trellis.data.migrate import plan, upgrade
from trellis.runtime import runtime

PART = """
entity: part
fields:
  name:  {type: string, max_length: 50}
  code:  {type: text}
  fax:   {type: string}
"""


class Org:
    """An organisation folder with one database; ``write`` changes the YAML, ``cli`` runs ``trellis``."""

    def __init__(self, config, monkeypatch, capsys):
        self.config = config
        self.capsys = capsys
        self.apps = []
        root = Path(config["ORG_DIR"])
        (root / "trellis.yaml").write_text("plugins: []\n", encoding="utf-8")
        monkeypatch.setenv("TRELLIS_ORG_DIR", str(root))
        monkeypatch.setenv("TRELLIS_DATABASE_URL", config["DATABASE_URL"])

    def write(self, text, name="part"):
        path = Path(self.config["ORG_DIR"]) / "metadata" / "entities" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")

    def remove(self, name):
        (Path(self.config["ORG_DIR"]) / "metadata" / "entities" / f"{name}.yaml").unlink()

    def app(self):
        app = create_app({**self.config, "PLUGINS": []})
        self.apps.append(app)
        return app

    def engine(self):
        app = self.app()
        with app.app_context():
            return db.engine

    def cli(self, *args):
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as caught:
            main(list(args))
        out = self.capsys.readouterr()
        return caught.value.code or 0, out.out, out.err

    def sql(self, statement, **params):
        with self.engine().begin() as connection:
            result = connection.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None

    def columns(self, table):
        with self.engine().connect() as connection:
            return {c["name"]: c for c in sa.inspect(connection).get_columns(table)}

    def snapshot(self):
        with self.engine().connect() as connection:
            inspector = sa.inspect(connection)
            return {t: ([(c["name"], str(c["type"])) for c in inspector.get_columns(t)],
                        sorted(ix["name"] for ix in inspector.get_indexes(t)))
                    for t in inspector.get_table_names()}

    def close(self):
        for app in self.apps:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def org(trellis_config, monkeypatch, capsys):
    org = Org(trellis_config, monkeypatch, capsys)
    org.write(PART)
    upgrade(org.app())
    org.sql("INSERT INTO part (name, code, fax) VALUES ('Bolt', '12', '555-1'), ('Nut', 'n/a', NULL)")
    yield org
    org.close()


def test_adding_a_field_adds_its_column_and_keeps_the_rows(org):
    org.write(PART + "  colour: {type: string}\n  weight: {type: decimal}\n")
    code, out, _ = org.cli("migrate")
    assert code == 0
    assert "+ column part.colour VARCHAR(255)" in out
    assert {"colour", "weight"} <= set(org.columns("part"))
    assert org.sql("SELECT name, code, colour FROM part ORDER BY id") == [("Bolt", "12", None), ("Nut", "n/a", None)]


def test_a_new_entity_gets_its_table(org):
    org.write("entity: bin\nfields:\n  label: {type: string}\n  part: {type: link, to: part}\n", name="bin")
    code, out, _ = org.cli("migrate")
    assert code == 0 and "+ table bin" in out
    assert "part_id" in org.columns("bin")


def test_a_second_migrate_finds_nothing_to_do(org):
    code, out, _ = org.cli("migrate")
    assert code == 0 and "The database is up to date." in out


def test_a_link_field_added_later_gets_its_foreign_key_and_index(org):
    org.write(PART + "  holder: {type: user, on_delete: set_null}\n")
    org.cli("migrate")
    with org.engine().connect() as connection:
        inspector = sa.inspect(connection)
        fks = {fk["constrained_columns"][0]: fk for fk in inspector.get_foreign_keys("part")}
        names = {ix["name"] for ix in inspector.get_indexes("part")}
    assert fks["holder_id"]["referred_table"] == "user"
    assert "ix_part_holder_id" in names


def test_a_link_field_added_later_honours_its_on_delete_rule(org):
    org.write(PART + "  holder: {type: user, on_delete: set_null}\n")
    org.cli("migrate")
    org.sql("INSERT INTO \"user\" (email) VALUES ('ann@example.com')")
    org.sql("UPDATE part SET holder_id = (SELECT id FROM \"user\")")
    org.sql("DELETE FROM \"user\"")
    assert org.sql("SELECT name, holder_id FROM part ORDER BY id") == [("Bolt", None), ("Nut", None)]


def test_a_restricting_link_added_later_blocks_deleting_its_target(org):
    org.write(PART + "  holder: {type: user, on_delete: restrict}\n")
    org.cli("migrate")
    org.sql("INSERT INTO \"user\" (email) VALUES ('ann@example.com')")
    org.sql("UPDATE part SET holder_id = (SELECT id FROM \"user\")")
    with pytest.raises(sa.exc.IntegrityError):
        org.sql("DELETE FROM \"user\"")


def test_removing_a_field_keeps_its_column_and_data_and_reports_it_orphaned(org):
    org.write(PART.replace("  fax:   {type: string}\n", ""))
    code, out, _ = org.cli("migrate")
    assert code == 0
    assert "! orphaned column part.fax (kept, 1 value)" in out
    assert org.sql("SELECT fax FROM part ORDER BY id") == [("555-1",), (None,)]


def test_removing_an_entity_keeps_its_table_and_reports_it_orphaned(org):
    org.remove("part")
    code, out, _ = org.cli("migrate")
    assert code == 0 and "! orphaned table part (kept, 2 rows)" in out
    assert org.sql("SELECT count(*) FROM part") == [(2,)]


def test_dry_run_prints_the_plan_and_changes_nothing(org):
    org.write(PART.replace("max_length: 50", "max_length: 80") + "  colour: {type: string, index: true}\n",)
    org.write("entity: bin\nfields:\n  label: {type: string}\n", name="bin")
    before = org.snapshot()
    code, out, _ = org.cli("migrate", "--dry-run")
    assert code == 0
    assert "+ table bin" in out and "+ column part.colour VARCHAR(255)" in out
    assert "+ index ix_part_colour" in out and "~ column part.name string(50) -> string(80)" in out
    assert "nothing changed" in out
    assert org.snapshot() == before


def test_a_longer_string_is_applied_and_keeps_the_values(org):
    org.write(PART.replace("max_length: 50", "max_length: 200"))
    code, _, _ = org.cli("migrate")
    assert code == 0
    assert org.columns("part")["name"]["type"].length == 200
    assert org.sql("SELECT name FROM part ORDER BY id") == [("Bolt",), ("Nut",)]


def test_a_lossy_type_change_is_refused_with_the_values_that_do_not_convert(org):
    org.write(PART.replace("code:  {type: text}", "code:  {type: integer}"))
    before = org.snapshot()
    code, out, _ = org.cli("migrate")
    assert code == 1
    assert ("! refused: part.code text -> integer: 1 value does not convert (e.g. 'n/a'); "
            "rerun with --convert after fixing them") in out
    assert org.snapshot() == before
    assert org.sql("SELECT code FROM part ORDER BY id") == [("12",), ("n/a",)]


def test_convert_still_refuses_while_a_value_does_not_convert(org):
    org.write(PART.replace("code:  {type: text}", "code:  {type: integer}"))
    code, out, _ = org.cli("migrate", "--convert")
    assert code == 1 and "'n/a'" in out
    assert org.sql("SELECT code FROM part ORDER BY id") == [("12",), ("n/a",)]


def test_a_lossy_change_whose_values_all_convert_still_needs_convert(org):
    org.sql("UPDATE part SET code = '7' WHERE name = 'Nut'")
    org.write(PART.replace("code:  {type: text}", "code:  {type: integer}"))
    code, out, _ = org.cli("migrate")
    assert code == 1 and "rerun with --convert" in out
    assert org.sql("SELECT code FROM part ORDER BY id") == [("12",), ("7",)]


def test_convert_changes_the_type_when_every_value_converts(org):
    org.sql("UPDATE part SET code = '7' WHERE name = 'Nut'")
    org.write(PART.replace("code:  {type: text}", "code:  {type: integer}"))
    code, out, _ = org.cli("migrate", "--convert")
    assert code == 0, out
    assert "~ column part.code text -> integer (2 values)" in out
    assert type(org.columns("part")["code"]["type"]).__name__.upper() == "BIGINT"
    assert org.sql("SELECT code FROM part ORDER BY id") == [(12,), (7,)]


def test_converting_a_column_keeps_the_other_columns_and_links(org):
    org.write("entity: bin\nfields:\n  part: {type: link, to: part, on_delete: cascade}\n", name="bin")
    org.cli("migrate")
    org.sql("INSERT INTO bin (part_id) SELECT id FROM part")
    org.sql("UPDATE part SET code = '7' WHERE name = 'Nut'")
    org.write(PART.replace("code:  {type: text}", "code:  {type: integer}"))
    code, _, _ = org.cli("migrate", "--convert")
    assert code == 0
    assert org.sql("SELECT count(*) FROM bin") == [(2,)]
    assert org.sql("SELECT name, fax FROM part ORDER BY id") == [("Bolt", "555-1"), ("Nut", None)]
    org.sql("INSERT INTO part (name) VALUES ('Washer')")     # ids and defaults survive the rebuild
    assert org.sql("SELECT id, version FROM part WHERE name = 'Washer'") == [(3, 1)]
    org.sql("DELETE FROM part WHERE name = 'Bolt'")           # and so does ON DELETE CASCADE
    assert org.sql("SELECT count(*) FROM bin") == [(1,)]


def test_adding_search_fills_the_search_column_of_existing_rows(org):
    org.write(PART + "search: [name, code]\n")
    org.cli("migrate")
    assert org.sql("SELECT _search FROM part ORDER BY id") == [("bolt 12",), ("nut n/a",)]


def test_upgrade_returns_the_plan_it_applied(org):
    org.write(PART + "  colour: {type: string}\n")
    app = org.app()
    applied = upgrade(app)
    assert [str(s) for s in applied.steps] == ["+ column part.colour VARCHAR(255)"]
    with app.app_context():
        assert plan(db.engine, runtime(app).schema).steps == []


# prune-columns


def test_prune_needs_dry_run_or_yes(org):
    code, _, err = org.cli("prune-columns")
    assert code == 2 and "--dry-run" in err


def test_prune_dry_run_lists_orphans_with_counts_and_drops_nothing(org):
    org.write(PART.replace("  fax:   {type: string}\n", ""))
    code, out, _ = org.cli("prune-columns", "--dry-run")
    assert code == 0
    assert "- column part.fax (1 value)" in out
    assert "fax" in org.columns("part")


def test_prune_with_nothing_orphaned_says_so(org):
    code, out, _ = org.cli("prune-columns", "--yes")
    assert code == 0 and "Nothing to prune" in out


def backup_path(out):
    line = next(line for line in out.splitlines() if line.startswith("Backup written to "))
    return Path(line.removeprefix("Backup written to "))


def backed_up_fax(path):
    if path.suffix == ".sqlite":
        with sqlite3.connect(path) as copy:
            return sorted(copy.execute("SELECT name, fax FROM part").fetchall(), key=str)
    with (path / "part.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert set(rows[0]) == {"id", "fax"}
    return sorted([r["fax"] or None for r in rows], key=str)


def test_prune_yes_writes_the_backup_then_drops_the_column(org):
    org.write(PART.replace("  fax:   {type: string}\n", ""))
    code, out, _ = org.cli("prune-columns", "--yes")
    assert code == 0
    path = backup_path(out)
    assert path.exists()
    assert "backups" in path.parts
    fax = backed_up_fax(path)
    assert "555-1" in str(fax)
    assert "- column part.fax" in out
    assert "fax" not in org.columns("part")
    assert org.sql("SELECT name, code FROM part ORDER BY id") == [("Bolt", "12"), ("Nut", "n/a")]


def test_prune_drops_an_indexed_link_column(org):
    org.write(PART + "  holder: {type: user}\n")
    org.cli("migrate")
    org.write(PART)
    code, _, _ = org.cli("prune-columns", "--yes")
    assert code == 0
    assert "holder_id" not in org.columns("part")
    with org.engine().connect() as connection:
        assert "ix_part_holder_id" not in {ix["name"] for ix in sa.inspect(connection).get_indexes("part")}


def test_prune_drops_the_table_of_a_removed_entity_after_the_backup(org):
    org.remove("part")
    code, out, _ = org.cli("prune-columns", "--yes")
    assert code == 0
    assert backup_path(out).exists()
    assert "- table part" in out
    with org.engine().connect() as connection:
        assert "part" not in sa.inspect(connection).get_table_names()


def test_after_pruning_migrate_reports_no_orphans(org):
    org.write(PART.replace("  fax:   {type: string}\n", ""))
    org.cli("prune-columns", "--yes")
    code, out, _ = org.cli("migrate")
    assert code == 0 and "orphaned" not in out


def test_a_unique_index_over_duplicate_values_is_refused_and_the_rest_applied(org):
    org.sql("UPDATE part SET code = '12'")
    org.write(PART.replace("code:  {type: text}", "code:  {type: text, unique: true}") + "  colour: {type: string}\n")
    code, out, _ = org.cli("migrate")
    assert code == 1
    assert "! refused: unique index part.code: some values appear more than once (e.g. '12')" in out
    assert "colour" in org.columns("part")


def test_a_unique_index_over_distinct_values_is_added(org):
    org.write(PART.replace("max_length: 50}", "max_length: 50, unique: true}"))
    code, out, _ = org.cli("migrate")
    assert code == 0 and "+ index uq_part_name" in out


def test_tables_that_trellis_did_not_make_are_left_alone(org):
    org.sql("CREATE TABLE their_audit (at TEXT, what TEXT)")
    code, out, _ = org.cli("migrate")
    assert code == 0 and "their_audit" not in out
    code, out, _ = org.cli("prune-columns", "--yes")
    assert "their_audit" not in out
    with org.engine().connect() as connection:
        assert "their_audit" in sa.inspect(connection).get_table_names()


def test_a_migration_that_fails_half_way_changes_nothing(org):
    from trellis.data.migrate import apply

    org.write(PART.replace("max_length: 50}", "max_length: 50, unique: true}") + "  colour: {type: string}\n")
    app = org.app()
    with app.app_context():
        the_plan = plan(db.engine, runtime(app).schema)
        assert [s.kind for s in the_plan.steps] == ["add_column", "add_index"]
        org.sql("UPDATE part SET name = 'Same'")          # the unique index can no longer be built
        with pytest.raises(sa.exc.IntegrityError):
            apply(db.engine, runtime(app).schema, the_plan)
    assert "colour" not in org.columns("part")


@pytest.mark.parametrize("first, then", [("restrict", "cascade"), ("set_null", "restrict")])
def test_changing_on_delete_changes_the_foreign_key_and_keeps_the_rows(org, first, then):
    org.write(PART + f"  holder: {{type: user, on_delete: {first}}}\n")
    org.cli("migrate")
    org.sql("INSERT INTO \"user\" (email) VALUES ('ann@example.com')")
    org.sql("UPDATE part SET holder_id = (SELECT id FROM \"user\")")
    org.write(PART + f"  holder: {{type: user, on_delete: {then}}}\n")
    code, out, _ = org.cli("migrate")
    assert code == 0 and f"~ on_delete part.holder_id {first.replace('_', ' ')} -> {then}" in out
    assert org.cli("migrate")[1].strip() == "The database is up to date."
    if then == "cascade":
        org.sql("DELETE FROM \"user\"")
        assert org.sql("SELECT count(*) FROM part") == [(0,)]
    else:
        with pytest.raises(sa.exc.IntegrityError):
            org.sql("DELETE FROM \"user\"")
        assert org.sql("SELECT count(*) FROM part") == [(2,)]


@pytest.mark.parametrize("old_type, new_type, values, expected", [
    ("text", "date", ["2024-01-31", "1999-12-01"], ["2024-01-31", "1999-12-01"]),
    ("text", "decimal", ["12.5", "-3"], ["12.5", "-3"]),
    ("string", "boolean", ["yes", "no"], ["True", "False"]),
    ("decimal", "integer", ["12", "7"], ["12", "7"]),
])
def test_convert_turns_each_kind_of_value(org, old_type, new_type, values, expected):
    org.write(PART + f"  extra: {{type: {old_type}}}\n")
    org.cli("migrate")
    for name, value in zip(["Bolt", "Nut"], values, strict=True):
        org.sql("UPDATE part SET extra = :value WHERE name = :name", value=value, name=name)
    org.write(PART + f"  extra: {{type: {new_type}}}\n")
    code, out, _ = org.cli("migrate", "--convert")
    assert code == 0, out
    got = [row[0] for row in org.sql("SELECT extra FROM part ORDER BY id")]
    if new_type == "decimal":
        assert [float(v) for v in got] == [float(v) for v in expected]
    elif new_type == "boolean":
        assert [bool(v) for v in got] == [True, False]
    else:
        assert [str(v) for v in got] == expected


def test_a_decimal_with_a_fraction_does_not_convert_to_integer(org):
    org.write(PART + "  extra: {type: decimal}\n")
    org.cli("migrate")
    org.sql("UPDATE part SET extra = 3.5 WHERE name = 'Bolt'")
    org.write(PART + "  extra: {type: integer}\n")
    code, out, _ = org.cli("migrate", "--convert")
    assert code == 1
    assert "part.extra decimal(18,4) -> integer: 1 value does not convert (e.g. 3.5" in out


def test_migrate_also_creates_tables_other_subsystems_declare_on_db_metadata(org):
    table = sa.Table("test_only_token", db.metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id")))
    try:
        code, out, _ = org.cli("migrate")
    finally:
        db.metadata.remove(table)
    assert code == 0 and "+ table test_only_token" in out
    with org.engine().connect() as connection:
        fks = sa.inspect(connection).get_foreign_keys("test_only_token")
    assert fks[0]["referred_table"] == "user"


def test_migrate_against_an_unreachable_database_is_one_line(org, monkeypatch):
    monkeypatch.setenv("TRELLIS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    code, _, err = org.cli("migrate")
    assert code != 0
    assert err.startswith("trellis: error:") and "Traceback" not in err


def test_a_database_url_whose_driver_is_not_installed_is_one_line_naming_the_setting(org, monkeypatch):
    import importlib.util

    if importlib.util.find_spec("pg8000") is not None:
        pytest.skip("pg8000 is installed here")
    monkeypatch.setenv("TRELLIS_DATABASE_URL", "postgresql+pg8000://nobody@127.0.0.1:1/nothing")
    code, _, err = org.cli("migrate")
    assert code != 0
    assert "TRELLIS_DATABASE_URL" in err and "not installed" in err and "Traceback" not in err


def test_a_name_longer_than_postgresql_keeps_is_a_yaml_error_with_its_line(org):
    long = "compatible_" * 5 + "parts"
    org.write(PART + f"  {long}: {{type: links, to: user}}\n")
    code, _, err = org.cli("migrate")
    assert code == 1
    assert "part.yaml:7:" in err and f"the many-to-many table 'part__{long}' would be longer than 63" in err


def test_the_backup_of_a_json_column_holds_its_values(org):
    org.write(PART + "  tags: {type: tags}\n")
    org.cli("migrate")
    with org.engine().begin() as connection:
        part = sa.Table("part", sa.MetaData(), sa.Column("id", sa.Integer), sa.Column("tags", sa.JSON))
        connection.execute(part.update().values(tags=["red", "дуб"]))
    org.write(PART)
    code, out, _ = org.cli("prune-columns", "--yes")
    assert code == 0
    path = backup_path(out)
    if path.suffix == ".sqlite":
        with sqlite3.connect(path) as copy:
            assert copy.execute("SELECT tags FROM part").fetchone()[0] == '["red", "\\u0434\\u0443\\u0431"]'
    else:
        with (path / "part.csv").open(encoding="utf-8") as f:
            assert next(csv.DictReader(f))["tags"] == '["red", "дуб"]'
