"""Quick search ignores letter case and accents, and folds Arabic letters to their Persian forms,
on SQLite and PostgreSQL alike; ``trellis migrate`` refolds what an older release stored."""

import pytest
from test_migrate import PART, Org
from trellis.data.records import records_for


def found(svc, term):
    return sorted(r["name"] for r in svc.query("person").search(term).page().rows)


@pytest.mark.parametrize(("stored", "typed"), [
    ("Fernández", "fernandez"),
    ("Fernandez", "FERNÁNDEZ"),
    ("Петров", "ПЕТРОВ"),
    ("Пётр Иванов", "петр"),
    ("علي رضایی", "علی"),            # Arabic yeh stored, Persian typed
    ("علی رضایی", "علي"),            # and the other way round
    ("كتابخانه", "کتاب"),           # Arabic kaf stored, Persian typed
    ("François Ōtsuka", "francois otsuka"),
])
def test_search_ignores_case_accents_and_arabic_letter_variants(svc, stored, typed):
    svc.create("person", {"name": stored})
    svc.create("person", {"name": "Somebody else"})
    assert found(svc, typed) == [stored]


def test_the_short_i_stays_a_letter_of_its_own(svc):
    svc.create("person", {"name": "Йорданов"})
    svc.create("person", {"name": "Иорданов"})
    assert found(svc, "йор") == ["Йорданов"]


@pytest.fixture
def org(trellis_config, monkeypatch, capsys):
    org = Org(trellis_config, monkeypatch, capsys)
    org.write(PART + "search: [name]\n")
    org.cli("migrate")
    yield org
    org.close()


def search_part(org, term):
    app = org.app()
    with app.app_context():
        return [r["name"] for r in records_for(app).query("part").search(term).order_by("name").page().rows]


def test_migrate_refolds_the_search_text_an_older_release_stored(org):
    # What a release that kept accents stored: the accented text, and its bookkeeping without a fold name.
    org.sql("INSERT INTO part (name, _search) VALUES ('Fernández', 'fernández'), ('Nut', 'nut')")
    org.sql("UPDATE trellis_schema SET value = 'name' WHERE key = 'search:part'")
    assert search_part(org, "fernandez") == []
    code, out, _ = org.cli("migrate")
    assert code == 0 and "+ fill part._search" in out
    assert search_part(org, "fernandez") == ["Fernández"]
    assert search_part(org, "FERNÁNDEZ") == ["Fernández"]
    _, again, _ = org.cli("migrate", "--dry-run")
    assert "fill part._search" not in again
