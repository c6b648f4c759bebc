"""Finding 16 (security round 2): a NUL byte in a search or filter is a plain answer, not a 500,
on SQLite and on PostgreSQL (which cannot hold NUL in text at all)."""

import pytest

PATHS = ["/app/contact?q=a%00b", "/app/contact?last_name__contains=%00", "/app/contact?last_name=%00",
         "/app/contact/autocomplete?q=%00", "/app/contact/export.csv?q=%00",
         "/app/contact/kanban?q=%00", "/app/contact?sort=%00"]


@pytest.mark.parametrize("path", PATHS)
def test_a_nul_byte_in_a_web_search_or_filter_is_not_a_server_error(shipped, path):
    response = shipped.clients["contacts_user"].get(path)
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["/api/v1/contact?q=a%00b", "/api/v1/contact?last_name__contains=%00"])
def test_a_nul_byte_in_an_api_search_is_not_a_server_error(shipped, path):
    response = shipped.clients["contacts_user"].get(path, headers=shipped.headers["contacts_user"])
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("path", ["/app/contact?q=a%00b", "/app/contact?q=%00%00%00",
                                  "/app/contact/autocomplete?q=abc%00"])
def test_a_nul_byte_in_a_search_is_not_a_server_error_on_every_database(trellis_app, path):
    from trellis.data.records import records_for
    from trellis.testing.web import signed_in_client

    with trellis_app.app_context():
        records_for(trellis_app).create("contact", {"last_name": "Abcd"})
    response = signed_in_client(trellis_app).get(path)
    assert response.status_code == 200
