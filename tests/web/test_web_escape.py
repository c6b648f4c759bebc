"""No value a user typed is ever rendered as HTML: lists, forms, detail, kanban and calendar pages, refused forms."""

from datetime import date

import pytest
from trellis.testing.web import post, signed_in_client

SCRIPT = "<script>alert(1)</script>"
SAMPLE = """
entity: sample
title: s
fields:
  s:     {type: string}
  t:     {type: text}
  h:     {type: html}
  tags:  {type: tags}
  j:     {type: json}
  e:     {type: email}
  p:     {type: phone}
  u:     {type: url}
list: {columns: [s, t, h, tags, j, e, p, u]}
"""


# One entity per text-like type, the value its title, list column and kanban card, on a calendar:
# every page that shows a record shows that value.
ONE_TYPE = """
entity: x_{kind}
title: v
fields:
  v:     {{type: {kind}}}
  when:  {{type: date, calendar: true}}
  stage: {{type: selection, options: [a, b]}}
list: {{columns: [v, stage]}}
kanban: {{group_by: stage, card: [v]}}
"""
# A value with a script that validation accepts for each type (phone refuses it, so it is not here).
STORED = {
    "string": SCRIPT,
    "text": SCRIPT,
    "file": SCRIPT,
    "tags": SCRIPT,
    "json": {"note": SCRIPT},
    "url": 'https://example.com/"><script>alert(1)</script>',
    "email": '"><script>alert(1)</script>@example.com',
    "html": f'<b onmouseover="alert(1)">bold</b>{SCRIPT}<img src="https://example.com/x.png" onerror="alert(1)">',
}


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    folder = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sample.yaml").write_text(SAMPLE, encoding="utf-8")
    for kind in STORED:
        (folder / f"x_{kind}.yaml").write_text(ONE_TYPE.format(kind=kind), encoding="utf-8")
    return trellis_config


@pytest.fixture
def web(app):
    return signed_in_client(app)


def assert_escaped(page: str) -> None:
    assert SCRIPT not in page
    assert "<script>alert" not in page


def test_a_script_in_every_text_field_is_shown_escaped_in_list_form_and_detail(web, records):
    r = post(web, "/app/sample/new", {"s": SCRIPT, "t": SCRIPT, "h": SCRIPT, "tags": SCRIPT, "j": f'"{SCRIPT}"'})
    assert r.status_code == 302, r.get_data(as_text=True)
    record = records.query("sample").first()
    assert record["s"] == SCRIPT and record["t"] == SCRIPT  # stored as typed, escaped when shown
    for path in ("/app/sample", f"/app/sample/{record.id}", "/app/sample?q=script", "/"):
        page = web.get(path).get_data(as_text=True)
        assert_escaped(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in web.get("/app/sample").get_data(as_text=True)


def test_a_refused_form_shows_the_script_it_refused_escaped(web):
    r = post(web, "/app/sample/new", {"s": SCRIPT, "e": SCRIPT, "p": SCRIPT, "u": SCRIPT})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert_escaped(page)
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_a_script_in_a_note_is_escaped_in_the_timeline(web, records):
    company = records.create("company", {"name": SCRIPT})
    post(web, f"/app/company/{company.id}/notes", {"body": SCRIPT})
    page = web.get(f"/app/company/{company.id}").get_data(as_text=True)
    assert_escaped(page)
    assert page.count("&lt;script&gt;") >= 2


def test_a_script_in_a_linked_name_is_escaped_in_the_list_and_autocomplete(web, records):
    company = records.create("company", {"name": SCRIPT})
    records.create("contact", {"last_name": "Smith", "company": company.id})
    assert_escaped(web.get("/app/contact").get_data(as_text=True))
    r = web.get("/app/company/autocomplete?q=script")
    assert r.mimetype == "application/json"


def _pages(entity: str, record_id: int) -> dict[str, str]:
    today = date.today().isoformat()
    return {"list": f"/app/{entity}", "search": f"/app/{entity}?q=script", "detail": f"/app/{entity}/{record_id}",
            "kanban": f"/app/{entity}/kanban", "calendar": f"/app/{entity}/calendar?date={today}",
            "week": f"/app/{entity}/calendar?view=week&date={today}"}


@pytest.mark.parametrize("kind", list(STORED))
def test_a_stored_script_in_every_text_like_type_is_escaped_on_every_page_showing_it(web, records, kind):
    entity = f"x_{kind}"
    record = records.create(entity, {"v": STORED[kind], "when": date.today(), "stage": "a"})
    for name, path in _pages(entity, record.id).items():
        response = web.get(path)
        assert response.status_code == 200, (name, response.status_code)
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page, name
        assert 'onmouseover="alert' not in page and 'onerror="alert' not in page, name
        if kind != "html" and name != "search":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, f"{name}: the value is not shown at all"


@pytest.mark.parametrize("kind", [k for k in STORED if k not in ("json", "tags")])
def test_a_script_passed_to_prefill_a_new_form_is_shown_escaped(web, kind):
    value = STORED[kind]
    page = web.get(f"/app/x_{kind}/new", query_string={"v": value}).get_data(as_text=True)
    assert "<script>alert" not in page


def test_the_themes_script_never_parses_values_as_html(web):
    # Autocomplete answers JSON with names as typed; the script must put them in as text.
    script = web.get("/static/trellis.js").get_data(as_text=True)
    assert "autocomplete" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script
