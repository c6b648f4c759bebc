"""Error pages: themed 400/403/404/405/500 with the menu and a way back, in the user's language,
for core and plugin blueprints alike; the API keeps answering in JSON; the favicon."""

import pytest
from flask import Blueprint, abort
from trellis import hookimpl
from trellis.errors import NotFound, PermissionDenied
from trellis.testing.web import post, signed_in_client


class BrokenPages:
    """A plugin whose pages fail in every way a page can."""

    name = "broken_pages"

    @hookimpl
    def blueprints(self):
        bp = Blueprint("broken_pages", __name__)

        @bp.get("/broken/missing")
        def missing():
            raise NotFound("no gizmo #7")

        @bp.get("/broken/refused")
        def refused():
            raise PermissionDenied("you may not read gizmo records")

        @bp.get("/broken/crash")
        def crash():
            abort(500)

        return [bp]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "EXTRA_PLUGINS": [BrokenPages()]}


@pytest.fixture
def web(app):
    return signed_in_client(app)


def test_an_unknown_url_is_a_themed_404_with_the_menu_and_a_way_home(web):
    r = web.get("/no/such/page")
    page = r.get_data(as_text=True)
    assert r.status_code == 404
    assert '<nav class="sidebar"' in page and 'class="global-search"' in page
    assert "<h1 id=\"error-title\">Not found</h1>" in page
    assert "There is no such page or record, or you may not see it." in page
    assert '<a class="button primary" href="/">Back to the home page</a>' in page


def test_a_missing_record_is_a_404_page_with_a_way_back_to_where_the_user_was(web):
    r = web.get("/app/contact/424242", headers={"Referer": "http://localhost/app/contact"})
    page = r.get_data(as_text=True)
    assert r.status_code == 404
    assert '<a class="button" href="http://localhost/app/contact">Go back</a>' in page


def test_a_referrer_from_another_site_is_not_offered_as_the_way_back(web):
    page = web.get("/no/such/page", headers={"Referer": "https://evil.example/x"}).get_data(as_text=True)
    assert "evil.example" not in page


@pytest.mark.parametrize(("path", "status", "title"), [
    ("/broken/missing", 404, "Not found"),
    ("/broken/refused", 403, "Not allowed"),
    ("/broken/crash", 500, "Something went wrong"),
])
def test_a_plugins_pages_get_the_same_error_pages(web, path, status, title):
    r = web.get(path)
    page = r.get_data(as_text=True)
    assert r.status_code == status
    assert f'<h1 id="error-title">{title}</h1>' in page and '<nav class="sidebar"' in page
    assert "gizmo" not in page   # the exception's English text is not shown


def test_a_500_page_carries_a_reference_to_find_in_the_log(web, caplog):
    page = web.get("/broken/crash").get_data(as_text=True)
    reference = page.split("Reference: ")[1][:12]
    assert any(reference in record.getMessage() for record in caplog.records)


def test_a_wrong_method_is_a_405_page_with_allow(web):
    r = web.delete("/search")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert "This page cannot be used that way." in r.get_data(as_text=True)


def test_an_anonymous_visitor_gets_the_themed_404_without_the_menu(client):
    r = client.get("/no/such/page")
    page = r.get_data(as_text=True)
    assert r.status_code == 404 and "Not found" in page and '<nav class="sidebar"' not in page


@pytest.mark.parametrize(("locale", "title", "home"), [
    ("fa", "پیدا نشد", "بازگشت به خانه"),
    ("ru", "Не найдено", None),
    ("bg", "Не е намерено", None),
])
def test_error_pages_speak_the_users_language(web, locale, title, home):
    post(web, "/preferences", {"locale": locale})
    r = web.get("/no/such/page")
    page = r.get_data(as_text=True)
    assert r.status_code == 404
    assert f'<h1 id="error-title">{title}</h1>' in page
    assert "There is no such page" not in page
    if locale == "fa":
        assert '<html lang="fa" dir="rtl">' in page and home in page


def test_the_api_still_answers_errors_in_json(web):
    r = web.get("/api/v1/no_such_entity/1")
    assert r.status_code in (401, 404) and r.is_json
    r = web.get("/api/v1/no/such/path/at/all")
    assert r.is_json and "error" in r.get_json()


def test_the_favicon_is_the_themes_svg_linked_from_every_page(web, client):
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in web.get("/").get_data(as_text=True)
    for path in ("/static/favicon.svg", "/favicon.ico"):
        r = client.get(path)   # no sign-in needed: browsers ask before anyone signs in
        assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data
