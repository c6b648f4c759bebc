"""The OpenAPI document and the docs page are generated from the metadata."""



def spec(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def test_the_document_is_openapi_3_1_with_bearer_security(client):
    document = spec(client)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A personal API token (trellis token create)"}


def test_every_entity_has_a_schema_and_its_paths(client):
    document = spec(client)
    assert {"person", "deal", "user", "team"} <= set(document["components"]["schemas"])
    assert {"get", "post"} <= set(document["paths"]["/api/v1/deal"])
    assert {"get", "patch", "delete"} <= set(document["paths"]["/api/v1/deal/{id}"])
    assert "post" in document["paths"]["/api/v1/deal/{id}/transitions/propose"]
    assert "get" in document["paths"]["/api/v1/deal/{id}/history"]


def test_selection_fields_have_an_enum_and_required_fields_are_required(client):
    schemas = spec(client)["components"]["schemas"]
    assert schemas["deal_input"]["properties"]["stage"]["enum"] == ["new", "qualified", "proposal", "won", "lost"]
    assert schemas["deal_input"]["required"] == ["name"]


def test_computed_and_rollup_fields_are_read_only_and_not_accepted(client):
    schemas = spec(client)["components"]["schemas"]
    assert schemas["deal"]["properties"]["expected"]["readOnly"] is True
    assert schemas["person"]["properties"]["deal_count"]["readOnly"] is True
    assert "expected" not in schemas["deal_input"]["properties"]


def test_labels_in_every_locale_are_kept(client):
    name = spec(client)["components"]["schemas"]["person"]["properties"]["name"]
    assert name["description"] == "Name" and name["x-labels"] == {"en": "Name", "ru": "Имя"}


def test_the_docs_page_lists_entities_and_loads_nothing_from_elsewhere(client):
    answer = client.get("/api/v1/docs")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert "/api/v1/deal/{id}/transitions/propose" in page and "Имя" in page
    assert "<script" not in page and "src=" not in page and "http" not in page.split("</style>")[0]
