"""The ancestor tables behind the ``manager_chain`` rule, on SQLite and PostgreSQL.

The record service keeps ``trellis_line_person_boss`` in step with every write of a
``boss`` link, so a moved subtree changes who reads what in the next statement; the table
always equals one rebuilt from the links; ``trellis migrate`` makes and fills a missing one;
the rule's filter reads the table instead of walking the line.
"""

import re
import threading
from pathlib import Path

import sqlalchemy as sa
import test_security_manager_chain as chain
from trellis.app import create_app
from trellis.data import reporting_lines
from trellis.data.database import db
from trellis.data.migrate import upgrade
from trellis.data.records import records_for
from trellis.data.schema import BOOKKEEPING_TABLE
from trellis.runtime import runtime
from trellis.testing.fixtures import sql_statements

org, trellis_config = chain.org, chain.trellis_config   # the same organisation and roles
_notes = chain._notes
BELOW_TOP = {f"leave-{n}" for n in ("top", "middle", "low1", "low2", "deep")}


def _rows(app):
    """The ancestor table as a set of (person, ancestor, depth)."""
    with app.app_context():
        line = runtime(app).schema.lines[("person", "boss")]
        return set(db.session.execute(sa.select(line.c.person, line.c.ancestor, line.c.depth)).all())


def _rebuilt(app):
    """What :func:`reporting_lines.rebuild` makes of the same links (rolled back afterwards)."""
    with app.app_context():
        connection = db.session.connection()
        reporting_lines.rebuild(connection, runtime(app).schema)
        rows = _rows(app)
        db.session.rollback()
        return rows


def test_the_table_holds_every_person_and_each_manager_above_them(org):
    app, _, people, _ = org
    p = people
    assert _rows(app) == {(p["middle"], p["top"], 1), (p["low1"], p["middle"], 1), (p["low1"], p["top"], 2),
                          (p["low2"], p["middle"], 1), (p["low2"], p["top"], 2), (p["deep"], p["low1"], 1),
                          (p["deep"], p["middle"], 2), (p["deep"], p["top"], 3),
                          *((person, person, 0) for person in p.values())}


def test_moving_a_subtree_changes_who_reads_what_at_once(org):
    app, users, people, _ = org
    with app.app_context():
        records_for(app).update("person", people["low1"], {"boss": people["outsider"]})
    assert _notes(app, users, "outsider") == {"leave-outsider", "leave-low1", "leave-deep"}
    assert _notes(app, users, "top") == {"leave-top", "leave-middle", "leave-low2"}
    assert _notes(app, users, "middle") == {"leave-middle", "leave-low2"}
    assert _notes(app, users, "low1") == {"leave-low1", "leave-deep"}
    assert _rows(app) == _rebuilt(app)
    with app.app_context():
        records_for(app).update("person", people["outsider"], {"boss": people["low2"]})
    assert _notes(app, users, "middle") == {"leave-middle", "leave-low2", "leave-outsider", "leave-low1", "leave-deep"}
    assert _rows(app) == _rebuilt(app)


def test_a_move_rolled_back_leaves_the_table_as_it_was(org):
    app, users, people, _ = org
    before = _rows(app)
    with app.app_context():
        try:
            with records_for(app).transaction() as service:
                service.update("person", people["middle"], {"boss": people["outsider"]})
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
    assert _rows(app) == before
    assert _notes(app, users, "outsider") == {"leave-outsider"}


def test_a_cycle_ends_each_path_at_its_first_repeat(org):
    app, users, people, _ = org
    with app.app_context():
        records_for(app).update("person", people["top"], {"boss": people["deep"]})
    assert _rows(app) == _rebuilt(app)
    assert (people["low1"], people["low1"], 4) in _rows(app)
    assert (people["low1"], people["low1"], 0) not in _rows(app)     # on the cycle: its self row has its depth
    assert (people["outsider"], people["outsider"], 0) in _rows(app)
    assert _notes(app, users, "middle") == BELOW_TOP     # top is now below deep, below middle
    assert _notes(app, users, "outsider") == {"leave-outsider"}
    with app.app_context():
        records_for(app).update("person", people["top"], {"boss": None})
    assert _rows(app) == _rebuilt(app)
    assert _notes(app, users, "middle") == {f"leave-{n}" for n in ("middle", "low1", "low2", "deep")}
    assert _notes(app, users, "top") == BELOW_TOP


def test_deleting_and_creating_people_keep_the_table_exact(org):
    app, users, people, leaves = org
    with app.app_context():
        system = records_for(app)
        system.delete("leave", leaves["middle"])
        system.delete("person", people["middle"])          # low1 and low2 lose their boss (set_null)
        newcomer = system.create("person", {"name": "new", "boss": people["deep"]}).id
        system.create("leave", {"note": "leave-new", "person": newcomer})
        system.create_many("person", [{"name": "a", "boss": newcomer}, {"name": "b", "boss": people["low1"]}])
    assert _rows(app) == _rebuilt(app)
    assert _notes(app, users, "top") == {"leave-top"}
    assert _notes(app, users, "low1") == {"leave-low1", "leave-deep", "leave-new"}


def test_the_rule_reads_the_table_not_a_recursive_walk(org):
    app, users, _, _ = org
    with sql_statements(app) as statements:
        assert _notes(app, users, "top") == BELOW_TOP
    text = " ".join(statements).lower()
    assert "trellis_line_person_boss" in text and "recursive" not in text


def test_the_viewers_person_reaches_the_statement_as_a_value_in_one_in(org):
    """One ``IN`` over the table with the viewer's person as a value: PostgreSQL plans with the
    size of that person's line (index probes per row for a large one), not a hashed set per statement."""
    app, users, people, _ = org
    with sql_statements(app) as statements:
        assert _notes(app, users, "middle") == {f"leave-{n}" for n in ("middle", "low1", "low2", "deep")}
    listed = [s.lower() for s in statements if "from leave" in s.lower() and "trellis_line_person_boss" in s.lower()]
    assert listed
    for statement in listed:
        assert "ancestor in (select" not in statement and " or " not in statement
        assert re.search(rf"ancestor in \(\s*{people['middle']}(::integer)?\s*\)", statement)   # in its text


def test_without_self_the_viewer_is_left_out_unless_on_a_cycle(org):
    app, users, people, _ = org
    with app.app_context():
        service = chain.people_lead(app, people)
        assert {r["name"] for r in service.query("person").page(size=100).rows} == {"low1", "low2", "deep"}
        records_for(app).update("person", people["top"], {"boss": people["deep"]})   # middle is now below themself
        assert {r["name"] for r in service.query("person").page(size=100).rows} == \
            {"top", "middle", "low1", "low2", "deep"}


def test_migrate_refills_a_table_kept_without_self_rows(org):
    app, users, people, _ = org
    with app.app_context():
        line = runtime(app).schema.lines[("person", "boss")]
        bookkeeping = sa.table(BOOKKEEPING_TABLE, sa.column("key"), sa.column("value"))
        with db.engine.begin() as connection:     # as an older release left it
            connection.execute(sa.delete(line).where(line.c.depth == 0))
            connection.execute(sa.update(bookkeeping).where(bookkeeping.c.key == f"line:{line.name}")
                               .values(value="kept"))
        lines = []
        upgrade(app, echo=lines.append)
    assert lines == ["+ fill trellis_line_person_boss (reporting line of person.boss)"]
    assert _rows(app) == _rebuilt(app) and (people["top"], people["top"], 0) in _rows(app)
    assert _notes(app, users, "top") == BELOW_TOP


def test_migrate_makes_and_fills_a_missing_table(org):
    app, users, people, _ = org
    with app.app_context():
        line = runtime(app).schema.lines[("person", "boss")]
        with db.engine.begin() as connection:
            line.drop(connection)
        lines = []
        upgrade(app, echo=lines.append)
    assert any("trellis_line_person_boss" in entry for entry in lines)
    assert _rows(app) == _rebuilt(app) and len(_rows(app)) == 8 + len(people)
    assert _notes(app, users, "middle") == {f"leave-{n}" for n in ("middle", "low1", "low2", "deep")}


def test_migrate_refills_a_line_a_rule_uses_again(org, trellis_config):
    app, users, people, _ = org
    roles = Path(trellis_config["ORG_DIR"]) / "metadata" / "roles.yaml"
    kept = roles.read_text(encoding="utf-8")
    roles.write_text("roles:\n  lead:\n    person: {read: all}\n    leave: {read: all}\n", encoding="utf-8")
    without = create_app(trellis_config)
    lines = []
    with without.app_context():
        upgrade(without, echo=lines.append)
        records_for(without).update("person", people["low1"], {"boss": people["outsider"]})   # not followed
    assert lines == ["- reporting line trellis_line_person_boss (no rule uses it; the table is left as it is)"]
    roles.write_text(kept, encoding="utf-8")
    again = create_app(trellis_config)
    lines = []
    with again.app_context():
        upgrade(again, echo=lines.append)
    assert lines == ["+ fill trellis_line_person_boss (reporting line of person.boss)"]
    assert _rows(again) == _rebuilt(again)
    assert _notes(again, users, "outsider") == {"leave-outsider", "leave-low1", "leave-deep"}
    with again.app_context():
        lines = []
        upgrade(again, echo=lines.append)
    assert lines == []


def test_moves_at_the_same_time_on_one_line_leave_it_exact(org):
    app, _, people, _ = org
    moves = [("middle", "outsider"), ("low1", "low2"), ("top", "deep"), ("low2", None), ("middle", "top")]
    barrier = threading.Barrier(len(moves))

    def move(who, boss):
        with app.app_context():
            barrier.wait()
            records_for(app).update("person", people[who], {"boss": people.get(boss)})

    threads = [threading.Thread(target=move, args=pair) for pair in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _rows(app) == _rebuilt(app)
