"""No value a user typed is ever rendered as HTML: lists, forms, detail pages and refused forms."""

import pytest
from trellis.security.testing import post, signed_in_client

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


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    folder = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sample.yaml").write_text(SAMPLE, encoding="utf-8")
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
