"""``trellis.public_view``: a plugin's page reached by a signed link opens without signing in; others do not."""

import pytest
from flask import Blueprint
from trellis import hookimpl, public_view

bp = Blueprint("linkpages", __name__)


@bp.get("/survey/<token>")
@public_view
def survey(token):
    return f"survey {token}"


@bp.get("/private")
def private():
    return "private"


class LinkPages:
    name = "linkpages"
    version = "1.0"

    @hookimpl
    def blueprints(self):
        return [bp]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [LinkPages()]}


def test_a_public_view_opens_without_signing_in_and_an_unmarked_one_does_not(client):
    assert client.get("/survey/abc").get_data(as_text=True) == "survey abc"
    refused = client.get("/private")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
