"""Quick search through the trigram index: same rows as a scan, kept in step with every write, added by migrate."""

import pytest
import sqlalchemy as sa
from flask import current_app
from test_migrate import PART, Org
from trellis.data import query as query_module
from trellis.data import search_index
from trellis.data.database import db
from trellis.data.records import records_for
from trellis.testing import sql_statements


def found(svc, term, entity="person", **page):
    return [r["name"] for r in svc.query(entity).search(term).order_by("name").page(**page).rows]


def statements_of(action):
    with sql_statements(current_app._get_current_object()) as seen:
        action()
    return seen


def assert_index_matches_table(connection, table):
    """SQLite's own check that the FTS index holds exactly the table's ``_search`` values."""
    if connection.dialect.name == "sqlite":
        fts = search_index.fts_table(table)
        connection.exec_driver_sql(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")


def test_quick_search_finds_substrings_in_any_script_through_the_index(svc):
    for name in ("Иванова Мария", "Jürgen Kowalski", "Ann Smithers", "Bob"):
        svc.create("person", {"name": name})
    seen = statements_of(lambda: found(svc, "ванов"))
    assert found(svc, "ванов") == ["Иванова Мария"]
    assert found(svc, "ИВАНОВА МАР") == ["Иванова Мария"]
    assert found(svc, "ürgen owal") == ["Jürgen Kowalski"]
    assert found(svc, "smith") == ["Ann Smithers"]
    assert found(svc, "mith xyz") == []
    if db.engine.dialect.name == "sqlite":
        assert any("trellis_search_person" in s for s in seen)


def test_words_shorter_than_a_trigram_and_quotes_still_search(svc):
    for name in ('Al "Quote" Bo', "Alma", "Bob"):
        svc.create("person", {"name": name})
    assert found(svc, "al") == ['Al "Quote" Bo', "Alma"]
    assert found(svc, '"quote"') == ['Al "Quote" Bo']
    assert found(svc, "al bo") == ['Al "Quote" Bo']


def test_the_index_follows_create_update_delete_and_import(svc):
    petrov = svc.create("person", {"name": "Ivan Petrov"})
    assert found(svc, "petr") == ["Ivan Petrov"]
    svc.update("person", petrov.id, {"name": "Ivan Sidorov"})
    assert found(svc, "petr") == []
    assert found(svc, "sidor") == ["Ivan Sidorov"]
    svc.update("person", petrov.id, {"email": "ivan@example.com"})
    assert found(svc, "ivan@exa") == ["Ivan Sidorov"]
    svc.delete("person", petrov.id)
    assert found(svc, "sidor") == []
    svc.create_many("person", [{"name": "Пётр Первый"}, {"name": "Pyotr Second"}])
    assert found(svc, "пётр") == ["Пётр Первый"]
    assert found(svc, "pyotr") == ["Pyotr Second"]
    with db.engine.connect() as connection:
        assert_index_matches_table(connection, "person")


def test_without_the_index_a_search_page_asks_for_it_once_and_still_finds(svc):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the FTS table is SQLite's; PostgreSQL asks pg_indexes the same way")
    for name in ("Ann Smith", "Bob Smithers", "Cy Jones"):
        svc.create("person", {"name": name})
    with db.engine.begin() as connection:
        search_index.drop_sqlite(connection, "person")
    seen = statements_of(lambda: found(svc, "smith"))
    assert found(svc, "smith") == ["Ann Smith", "Bob Smithers"]
    assert sum("sqlite_master" in s for s in seen) == 1, seen


def test_a_common_word_late_in_the_sort_order_pages_like_a_scan(svc, monkeypatch):
    # A probe of 3 rows along the order finds too few matches, so the index is asked for all of them.
    monkeypatch.setattr(query_module, "SEARCH_PROBE", 3)
    names = [f"Aaron {i:02}" for i in range(8)] + [f"Zed Smith {i:02}" for i in range(7)] + ["Mia Smith"]
    for name in names:
        svc.create("person", {"name": name})
    wanted = sorted(n for n in names if "smith" in n.lower())
    pages, cursor = [], None
    while True:
        page = svc.query("person").search("smith").order_by("name").page(size=3, cursor=cursor)
        pages += [r["name"] for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert pages == wanted
    back = svc.query("person").search("smith").order_by("name").page(size=3, cursor=page.prev_cursor)
    assert [r["name"] for r in back.rows] == wanted[3:6]
    assert found(svc, "aaron", size=3) == names[:3]
    assert svc.query("person").search("smith").page().count == len(wanted)


def test_the_page_names_linked_records_after_choosing_the_rows(svc, ann):
    for i in range(3):
        svc.create("deal", {"name": f"Deal {i}", "person": ann.id if i != 1 else None})
    rows = svc.query("deal").search("deal").order_by("-name").page().rows
    assert [(r["name"], r["person"]) for r in rows] == [
        ("Deal 2", {"id": ann.id, "name": "Ann"}), ("Deal 1", None), ("Deal 0", {"id": ann.id, "name": "Ann"})]


@pytest.fixture
def org(trellis_config, monkeypatch, capsys):
    org = Org(trellis_config, monkeypatch, capsys)
    org.write(PART + "search: [name]\n")
    org.cli("migrate")
    org.sql("INSERT INTO part (name, _search) VALUES ('Bolt', 'bolt'), ('Nut', 'nut')")
    yield org
    org.close()


def sqlite_only(org):
    if not org.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite's FTS5 search index")


def search_part(org, term):
    app = org.app()
    with app.app_context():
        return [r["name"] for r in records_for(app).query("part").search(term).order_by("name").page().rows]


def assert_part_index_complete(org):
    """The FTS table and its triggers exist for ``part`` and index exactly its rows."""
    with org.engine().connect() as connection:
        assert search_index.sqlite_present(connection, "part")
        assert_index_matches_table(connection, "part")


def test_migrate_adds_the_search_index_to_a_database_made_before_it(org):
    sqlite_only(org)
    with org.engine().begin() as connection:
        search_index.drop_sqlite(connection, "part")
    code, out, _ = org.cli("migrate", "--dry-run")
    assert "+ search index trellis_search_part (fts5 trigram on part._search)" in out
    code, out, _ = org.cli("migrate")
    assert code == 0 and "+ search index trellis_search_part" in out
    assert search_part(org, "olt") == ["Bolt"]
    assert_part_index_complete(org)
    code, out, _ = org.cli("migrate", "--dry-run")
    assert "search index" not in out


def test_changing_the_search_fields_refills_the_index(org):
    sqlite_only(org)
    org.sql("UPDATE part SET code = 'M8-zinc' WHERE name = 'Bolt'")
    org.write(PART + "search: [name, code]\n")
    code, out, _ = org.cli("migrate")
    assert code == 0 and "+ fill part._search" in out and "+ search index trellis_search_part" in out
    assert search_part(org, "zinc") == ["Bolt"]
    assert search_part(org, "nut") == ["Nut"]
    assert_part_index_complete(org)


def test_migrate_remakes_triggers_a_lost_and_prune_keeps_them(org):
    sqlite_only(org)
    org.sql("DROP TRIGGER trellis_search_part_ai")
    code, out, _ = org.cli("migrate")
    assert "+ search index trellis_search_part" in out
    org.write("""
entity: part
fields:
  name:  {type: string, max_length: 50}
  code:  {type: text}
search: [name]
""")
    code, _, _ = org.cli("prune-columns", "--yes")
    assert code == 0
    org.sql("INSERT INTO part (name, _search) VALUES ('Washer', 'washer')")
    assert search_part(org, "ashe") == ["Washer"]
    assert_part_index_complete(org)


def test_prune_of_a_removed_entity_drops_its_search_index(org):
    sqlite_only(org)
    org.write("""
entity: other
fields:
  label: {type: string}
""", name="other")
    org.remove("part")
    org.cli("migrate")
    code, _, _ = org.cli("prune-columns", "--yes")
    assert code == 0
    with org.engine().connect() as connection:
        names = {row[0] for row in connection.execute(sa.text("SELECT name FROM sqlite_master"))}
    assert not any(name.startswith("trellis_search_part") for name in names)
