"""Every page of every entity of the shipped plugins renders without a server error."""

import pytest
from trellis.runtime import runtime
from trellis.testing.web import signed_in_client


@pytest.fixture
def web(app):
    from trellis.demo import load_demo_data

    load_demo_data(app)
    return signed_in_client(app)


def test_every_page_of_every_entity_renders_without_a_server_error(app, web, records):
    failures = []
    entities = runtime(app).metadata.entities
    assert {"contact", "company", "activity", "note", "user", "team"} <= set(entities)
    for name in entities:
        paths = [f"/app/{name}", f"/app/{name}/new", f"/app/{name}?q=a", f"/app/{name}/autocomplete?q=a"]
        if entities[name].kanban is not None:
            paths.append(f"/app/{name}/kanban")
        if any(f.calendar for f in entities[name].fields.values()):
            paths += [f"/app/{name}/calendar", f"/app/{name}/calendar?view=week"]
        first = records.query(name).first()
        if first is not None:
            paths.append(f"/app/{name}/{first.id}")
        for path in paths:
            status = web.get(path).status_code
            if status >= 500:
                failures.append(f"{path}: {status}")
    boards = [f"/dashboards/{name}" for name in runtime(app).metadata.dashboards]
    for path in ("/", "/login", "/dashboards/", *boards):
        if web.get(path).status_code >= 500:
            failures.append(path)
    assert failures == []


def test_every_entity_with_demo_records_has_a_detail_page_that_renders(app, web, records):
    shown = []
    for name in runtime(app).metadata.entities:
        first = records.query(name).first()
        if first is not None:
            assert web.get(f"/app/{name}/{first.id}").status_code == 200, name
            shown.append(name)
    assert {"contact", "company", "activity", "note"} <= set(shown)
