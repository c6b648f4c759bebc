"""Duplicates at import: the entity's ``dedupe:`` rules with ``--dedupe skip|update|flag``."""

from __future__ import annotations

from trellis.io.dedupe import DuplicateIndex
from trellis.io.merge import possible_duplicates
from trellis.metadata.model import DedupeRule, Entity, Field


def count(svc):
    return svc.query("contact").count()[0]


def test_skip_leaves_a_row_whose_email_matches_in_another_letter_case(svc, cli, write):
    svc.create("contact", {"last_name": "Lee", "email": "ann@example.com", "city": "Oslo"})
    path = write("people.csv", "last_name,email,city\nLee, ANN@Example.com ,Bergen\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "skip")
    assert code == 0, err
    assert "0 created, 0 updated, 1 skipped as duplicates" in out
    assert count(svc) == 1
    assert svc.query("contact").first()["city"] == "Oslo"


def test_update_writes_the_rows_values_onto_the_matching_record(svc, cli, write):
    ann = svc.create("contact", {"last_name": "Lee", "email": "ann@example.com", "city": "Oslo"})
    path = write("people.csv", "last_name,email,city\nLee,ann@example.com,Bergen\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "update")
    assert code == 0, err
    assert "0 created, 1 updated" in out
    assert count(svc) == 1
    assert svc.get("contact", ann.id)["city"] == "Bergen"


def test_flag_creates_the_row_and_records_the_pair_as_possible_duplicates(app, svc, cli, write):
    ann = svc.create("contact", {"last_name": "Lee", "email": "ann@example.com"})
    path = write("people.csv", "last_name,email\nLee,ann@example.com\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "flag")
    assert code == 0, err
    assert "1 created" in out and "1 flagged as possible duplicates" in out
    newest = svc.query("contact").order_by("-id").first()
    assert [(d["record_id"], d["other_id"], d["rule"]) for d in possible_duplicates(app, "contact")] == [
        (newest.id, ann.id, "email")]


def test_a_name_with_a_typo_matches_by_the_fuzzy_rule(svc, cli, write):
    svc.create("contact", {"first_name": "Ivan", "last_name": "Petrov"})
    path = write("people.csv", "first_name,last_name\nIvan,Betrov\nIvan,Sidorov\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "skip")
    assert code == 0, err
    assert "1 created, 0 updated, 1 skipped as duplicates" in out
    assert sorted(c["last_name"] for c in svc.query("contact").page().rows) == ["Petrov", "Sidorov"]


def test_duplicates_inside_the_file_count_too(svc, cli, write):
    path = write("people.csv", "last_name,email\nLee,ann@example.com\nLee-Smith,ann@example.com\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "skip")
    assert code == 0, err
    assert "1 created, 0 updated, 1 skipped as duplicates" in out


def test_without_dedupe_a_matching_row_is_created(svc, cli, write):
    svc.create("contact", {"last_name": "Lee", "email": "ann@example.com"})
    path = write("people.csv", "last_name,email\nLee,ann@example.com\n")
    assert cli("import", "contact", path)[0] == 0
    assert count(svc) == 2


def test_the_fuzzy_rule_compares_only_candidates_sharing_a_blocking_key():
    entity = Entity("person", fields={n: Field(n, "string") for n in ("first", "last")})
    index = DuplicateIndex(entity, [DedupeRule(("first", "last"), fuzzy=True)])
    for i in range(2000):
        index.add(i, {"first": f"name{i}", "last": f"family{i}"})
    index.add(5000, {"first": "Olga", "last": "Ivanova"})
    assert index.find({"first": "olga", "last": " IVANOVA"}) == (5000, "first+last (fuzzy)")
    assert index.find({"first": "Olga", "last": "Smirnova"}) is None
    largest = max(len(block) for rule in index._rules for block in rule.blocks.values())
    assert largest == 1


def test_update_mode_updates_a_record_created_earlier_in_the_same_batch(svc, cli, write):
    path = write("people.csv", "last_name,email,city\nLee,ann@example.com,Oslo\nRay,bob@example.com,Lyon\n"
                               "Lee,Ann@Example.com,Bergen\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "update")
    assert code == 0, err
    assert "2 created, 1 updated" in out
    assert sorted((c["email"], c["city"]) for c in svc.query("contact").page().rows) == [
        ("Ann@example.com", "Bergen"), ("bob@example.com", "Lyon")]


def test_flag_mode_pairs_a_row_with_one_created_earlier_in_the_same_batch(app, svc, cli, write):
    path = write("people.csv", "last_name,email\nLee,ann@example.com\nRay,bob@example.com\nLee,ann@example.com\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "flag")
    assert code == 0, err
    assert "3 created" in out and "1 flagged as possible duplicates" in out
    first, _, third = svc.query("contact").order_by("id").page().rows
    assert [(d["record_id"], d["other_id"]) for d in possible_duplicates(app, "contact")] == [(third.id, first.id)]


def test_a_failed_row_is_no_duplicate_of_a_later_one(svc, cli, write):
    path = write("people.csv", "last_name,email,phone\nLee,ann@example.com,not a phone\nLee,ann@example.com,\n")
    code, out, err = cli("import", "contact", path, "--dedupe", "skip")
    assert "1 created, 0 updated, 0 skipped as duplicates, 1 failed" in out
