"""The ``manager_chain`` record rule: a reporting line, configured in YAML, resolved in SQL.

An organisation's own entities (``person`` with a ``boss``, ``leave`` naming a person)
and roles: a lead reads the leaves of everyone below them, at every depth, and their
own; a member only their own. Lists, counts, the API, CSV export, single records and
writes all follow the rule, on SQLite and PostgreSQL (the recursive query is the part
the databases could disagree on).
"""

from pathlib import Path

import pytest
from trellis.app import create_app
from trellis.data.records import records_for
from trellis.errors import MetadataError
from trellis.security.accounts import create_user, load_account
from trellis.testing.api import bearer

ENTITIES = {
    "person.yaml": """\
entity: person
title: name
fields:
  name: {type: string, required: true}
  login: {type: user}
  boss: {type: link, to: person, on_delete: set_null}
""",
    "leave.yaml": """\
entity: leave
title: note
fields:
  note: {type: string, required: true}
  person: {type: link, to: person, required: true}
  days: {type: integer}
search: [note]
""",
}
CHAIN = "{entity: person, manager: boss, user: login, via: person, self: true%s}"
ROLES = f"""\
roles:
  lead:
    person: {{read: all}}
    leave: {{read: all, create: true, write: all, rules: [{{manager_chain: {CHAIN % ''}}}]}}
  member:
    person: {{read: all}}
    leave: {{read: all, create: true, write: all, rules: [{{manager_chain: {CHAIN % ', reports: false'}}}]}}
  lead_of_people:
    person: {{read: all, write: all, rules: [{{manager_chain: {{entity: person, manager: boss, user: login}}}}]}}
"""


def _write(folder: Path, roles: str = ROLES) -> None:
    for name, text in ENTITIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "roles.yaml").write_text(roles, encoding="utf-8")


@pytest.fixture
def trellis_config(trellis_config):
    _write(Path(trellis_config["ORG_DIR"]) / "metadata")
    return trellis_config


@pytest.fixture
def org(trellis_app):
    """top > middle > (low1 > deep, low2); outsider apart. One leave each, named after its person."""
    app = trellis_app
    with app.app_context():
        system = records_for(app)
        users, people = {}, {}
        for name, boss, role in (("top", None, "lead"), ("middle", "top", "lead"), ("low1", "middle", "lead"),
                                 ("low2", "middle", "member"), ("deep", "low1", "member"),
                                 ("outsider", None, "lead")):
            users[name] = create_user(app, f"{name}@example.com", None, role=role, name=name).id
            people[name] = system.create("person", {"name": name, "login": users[name],
                                                    "boss": people.get(boss)}).id
        leaves = {name: system.create("leave", {"note": f"leave-{name}", "person": people[name], "days": 1}).id
                  for name in people}
    return app, users, people, leaves


def _service(app, users, who):
    return records_for(app, load_account(app, users[who]), channel="api")


def _notes(app, users, who):
    with app.app_context():
        return {r["note"] for r in _service(app, users, who).query("leave").page(size=100).rows}


def test_a_lead_reads_every_level_below_them_and_their_own(org):
    app, users, _, _ = org
    assert _notes(app, users, "top") == {f"leave-{n}" for n in ("top", "middle", "low1", "low2", "deep")}
    assert _notes(app, users, "middle") == {f"leave-{n}" for n in ("middle", "low1", "low2", "deep")}
    assert _notes(app, users, "low1") == {"leave-low1", "leave-deep"}
    assert _notes(app, users, "outsider") == {"leave-outsider"}


def test_self_only_keeps_a_member_to_their_own_records(org):
    app, users, _, _ = org
    assert _notes(app, users, "deep") == {"leave-deep"}
    assert _notes(app, users, "low2") == {"leave-low2"}


def test_counts_filters_and_search_follow_the_rule(org):
    app, users, _, _ = org
    with app.app_context():
        query = _service(app, users, "low1").query("leave")
        assert query.count() == (2, False)
        assert query.filter(days__gte=1).count() == (2, False)
        assert query.search("leave-top").count() == (0, False)


def test_a_single_record_outside_the_chain_is_not_found_and_cannot_be_written(org, trellis_app):
    app, users, _, leaves = org
    headers = bearer(app, users["low1"], scope="write")
    client = app.test_client()
    assert client.get(f"/api/v1/leave/{leaves['deep']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/leave/{leaves['middle']}", headers=headers).status_code == 404
    answer = client.patch(f"/api/v1/leave/{leaves['middle']}", json={"days": 9}, headers=headers)
    assert answer.status_code in (403, 404)
    listed = client.get("/api/v1/leave?days__gte=0", headers=headers).get_json()
    assert {r["note"] for r in listed["data"]} == {"leave-low1", "leave-deep"}


def test_a_record_cannot_be_moved_or_created_outside_the_chain(org):
    app, users, people, leaves = org
    with app.app_context():
        service = _service(app, users, "low1")
        service.update("leave", leaves["deep"], {"days": 3})
        with pytest.raises(Exception, match="outside what your role allows"):
            service.update("leave", leaves["deep"], {"person": people["outsider"]})
        with pytest.raises(Exception, match="outside what your role allows"):
            service.create("leave", {"note": "x", "person": people["top"]})
        assert service.create("leave", {"note": "mine", "person": people["deep"]}).id


def people_lead(app, people):
    """The service of a new ``lead_of_people`` user who logs in as ``middle`` (inside an app context)."""
    viewer = create_user(app, "people.lead@example.com", None, role="lead_of_people", name="pl").id
    records_for(app).update("person", people["middle"], {"login": viewer})
    return records_for(app, load_account(app, viewer), channel="api")


def test_the_people_entity_itself_is_ruled_by_its_manager_link(org):
    app, users, people, _ = org
    with app.app_context():
        service = people_lead(app, people)
        names = {r["name"] for r in service.query("person").page(size=100).rows}
        assert names == {"low1", "low2", "deep"}
        service.update("person", people["deep"], {"name": "deeper"})
        with pytest.raises(Exception, match="outside what your role allows|no person"):
            service.update("person", people["deep"], {"boss": people["outsider"]})   # unreadable: refused either way


def test_a_cycle_in_the_manager_links_ends(org):
    app, users, people, _ = org
    with app.app_context():
        records_for(app).update("person", people["top"], {"boss": people["deep"]})
    assert _notes(app, users, "low1") == {f"leave-{n}" for n in ("top", "middle", "low1", "low2", "deep")}


def test_the_csv_export_follows_the_rule(org):
    app, users, _, _ = org
    client = app.test_client()
    from trellis.testing.web import login

    with app.app_context():
        from trellis.security.accounts import set_password
        set_password(app, users["low1"], "a long enough password")
    assert login(client, "low1@example.com", "a long enough password").status_code == 302
    text = client.get("/app/leave/export.csv").get_data(as_text=True)
    assert "leave-deep" in text and "leave-low1" in text and "leave-middle" not in text


@pytest.mark.parametrize("chain, message", [
    ("{entity: nobody, manager: boss, user: login, via: person}", "must name an entity of people"),
    ("{entity: person, manager: name, user: login, via: person}", "'manager' must name a stored link field"),
    ("{entity: person, manager: boss, user: boss, via: person}", "'user' must name a stored user field"),
    ("{entity: person, manager: boss, user: login, via: note}", "'via' must name a stored link field"),
    ("{entity: person, manager: boss, user: login}", "'via' must name the field linking"),
    ("{entity: person, manager: boss, user: login, via: person, sideways: true}", "sideways"),
])
def test_a_broken_chain_rule_names_the_file_and_line(tmp_path, chain, message):
    folder = tmp_path / "org" / "metadata"
    folder.mkdir(parents=True)
    _write(folder, f"roles:\n  lead:\n    leave:\n      read: all\n      rules: [{{manager_chain: {chain}}}]\n")
    with pytest.raises(MetadataError) as caught:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "ORG_DIR": str(tmp_path / "org"),
                    "TESTING": True, "SECRET_KEY": "test-only"})
    [problem] = caught.value.problems
    assert problem.path.endswith("roles.yaml") and problem.line == 5
    assert message in problem.message
