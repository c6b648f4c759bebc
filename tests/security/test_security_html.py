"""``html`` fields are sanitised when stored: scripts and event handlers go, harmless markup stays."""

import pytest
from trellis.testing.api import bearer, new_user
from trellis.testing.web import post, signed_in_client

ARTICLE = """
entity: article
title: title
fields:
  title: {type: string, required: true}
  body:  {type: html}
  plain: {type: text}
"""
HOSTILE = ('<p>Hello <b>world</b> <a href="https://example.com">link</a></p>'
           '<script>alert(1)</script><img src="https://example.com/x.png" onerror="alert(2)">'
           '<a href="javascript:alert(3)" onclick="alert(4)">click</a><div style="x" onmouseover="alert(5)">d</div>')


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    folder = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "article.yaml").write_text(ARTICLE, encoding="utf-8")
    return trellis_config


def assert_harmless(value: str) -> None:
    lowered = value.lower()
    for bad in ("<script", "alert(1)", "onerror", "onclick", "onmouseover", "javascript:"):
        assert bad not in lowered, f"{bad!r} left in {value!r}"


def assert_markup_kept(value: str) -> None:
    assert "<p>Hello <b>world</b>" in value
    assert 'href="https://example.com"' in value and "click</a>" in value


def test_the_record_service_strips_scripts_and_event_handlers_from_an_html_field(records):
    article = records.create("article", {"title": "t", "body": HOSTILE})
    stored = records.get("article", article.id)["body"]
    assert_harmless(stored)
    assert_markup_kept(stored)


def test_an_update_is_sanitised_too(records):
    article = records.create("article", {"title": "t", "body": "<p>fine</p>"})
    records.update("article", article.id, {"body": HOSTILE})
    assert_harmless(records.get("article", article.id)["body"])


def test_the_api_stores_and_returns_the_sanitised_html(app, records):
    headers = bearer(app, new_user(app, "api@example.com"))
    response = app.test_client().post("/api/v1/article", json={"title": "t", "body": HOSTILE}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    shown = response.get_json()["body"]
    assert_harmless(shown)
    assert_markup_kept(shown)
    assert records.get("article", response.get_json()["id"])["body"] == shown


def test_a_form_post_stores_the_sanitised_html(app, records):
    web = signed_in_client(app)
    assert post(web, "/app/article/new", {"title": "from the form", "body": HOSTILE}).status_code == 302
    assert_harmless(records.query("article").filter(title="from the form").first()["body"])


def test_harmless_markup_is_kept_as_written(records):
    html = '<h2>Terms</h2><ul><li><i>one</i></li></ul><p><a href="mailto:sales@example.com">mail</a></p>'
    article = records.create("article", {"title": "t", "body": html})
    assert records.get("article", article.id)["body"] == html.replace(
        '<a href="mailto:sales@example.com">', '<a href="mailto:sales@example.com" rel="noopener noreferrer">')


def test_other_text_fields_are_stored_as_typed(records):
    article = records.create("article", {"title": "<b>t</b>", "plain": HOSTILE})
    stored = records.get("article", article.id)
    assert stored["plain"] == HOSTILE and stored["title"] == "<b>t</b>"
