"""A plugin's field type gets a widget, a display, a filter and an API schema from its storage (or says its own)."""

import pytest
from trellis import FieldType, hookimpl
from trellis.testing.web import signed_in_client

ACCOUNT = """\
entity: account
title: name
fields:
  name:  {type: string, required: true}
  iban:  {type: iban}
  score: {type: score}
  vip:   {type: flag}
  memo:  {type: memo}
  tier:  {type: tier, options: [gold, silver]}
list:
  columns: [name, iban, score, vip, tier]
"""


class Banking:
    """Adds types on the storages of the built-in ones, with no widget or display of their own but ``memo``'s."""

    name = "banking"
    version = "1.0"

    def __init__(self, folder):
        self.folder = folder

    @hookimpl
    def metadata_dirs(self):
        return [self.folder]

    @hookimpl
    def field_types(self):
        return [FieldType("iban", "string", lambda value, field: str(value).replace(" ", "").upper()),
                FieldType("score", "integer"),
                FieldType("flag", "boolean"),
                FieldType("memo", "string", widget="textarea"),
                FieldType("tier", "string", options=("options",), widget="select", display="choice",
                          filter="choice")]


@pytest.fixture
def trellis_config(trellis_config, tmp_path):
    (tmp_path / "banking" / "entities").mkdir(parents=True)
    (tmp_path / "banking" / "entities" / "account.yaml").write_text(ACCOUNT)
    return {**trellis_config, "PLUGINS": [], "EXTRA_PLUGINS": [Banking(tmp_path / "banking")]}


@pytest.fixture
def admin(app):
    return signed_in_client(app, "ada@example.com")


def test_the_form_shows_each_type_with_its_storages_widget_or_its_own(admin):
    page = admin.get("/app/account/new").get_data(as_text=True)
    assert '<input id="f-iban" type="text" name="iban"' in page
    assert '<input id="f-score" type="number" name="score" value="" step="1"' in page
    assert '<input id="f-vip" type="checkbox" name="vip"' in page
    assert '<textarea id="f-memo" name="memo"' in page
    assert '<select id="f-tier" name="tier"' in page


def test_the_list_displays_and_filters_by_what_the_type_says(admin, records):
    records.create("account", {"name": "Acme", "iban": "de89 3704", "score": 12345, "vip": True, "tier": "gold"})
    page = admin.get("/app/account").get_data(as_text=True)
    assert "DE893704" in page and "12,345" in page and "✓" in page
    assert '<select name="vip" aria-label="Vip">' in page                       # a boolean storage: yes/no
    assert 'name="tier__in" value="gold"' in page                                # the type's own "choice"
    assert 'name="iban' not in page.split("</details>")[0].split('class="filters"')[-1]  # text: no filter


def test_the_api_schema_comes_from_the_storage(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    properties = schema["account_input"]["properties"]
    assert properties["iban"]["type"] == "string"
    assert properties["score"]["type"] == "integer" and properties["score"]["maximum"] == 2**63 - 1
    assert properties["vip"] == {"type": "boolean", **{k: v for k, v in properties["vip"].items() if k != "type"}}
    assert properties["tier"]["enum"] == ["gold", "silver"]
    assert schema["account"]["properties"]["score"]["type"] == ["integer", "null"]


@pytest.mark.parametrize(("storage", "widget", "display", "filter_"), [
    ("string", "text", "text", "none"), ("text", "textarea", "text", "none"),
    ("decimal", "number", "number", "none"), ("date", "date", "date", "range"),
    ("json", "textarea", "json", "none"), ("link", "link", "link", "none")])
def test_a_types_defaults_follow_its_storage(storage, widget, display, filter_):
    kind = FieldType("mine", storage)
    assert (kind.widget, kind.display, kind.filter) == (widget, display, filter_)
