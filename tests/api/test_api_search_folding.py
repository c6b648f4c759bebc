"""The API's ``?q=`` ignores case and accents and folds Arabic letters, like the pages' search."""

import pytest


@pytest.mark.parametrize(("stored", "typed"), [("Fernández", "fernandez"), ("Петров", "ПЕТРОВ"),
                                               ("علي", "علی")])
def test_q_matches_whatever_the_accents_case_or_arabic_letters(client, writer, stored, typed):
    for name in (stored, "Somebody"):
        assert client.post("/api/v1/person", json={"name": name}, headers=writer).status_code == 201
    body = client.get("/api/v1/person", query_string={"q": typed}, headers=writer).get_json()
    assert [p["name"] for p in body["data"]] == [stored]
