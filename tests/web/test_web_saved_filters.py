"""Saved filters: a user names a list's search and filters and finds them again; others do not see them."""

from trellis.testing.web import post, signed_in_client


def test_a_saved_filter_appears_above_the_list_and_reopens_it(app, records):
    web = signed_in_client(app)
    records.create("company", {"name": "Shop", "industry": "retail"})
    records.create("company", {"name": "Bank", "industry": "finance"})
    r = post(web, "/app/company/filters", {"name": "Retail", "query": "industry=retail&cursor=abc"})
    assert r.location == "/app/company?industry=retail"
    page = web.get("/app/company").get_data(as_text=True)
    assert '<a href="/app/company?industry=retail">Retail</a>' in page
    assert "Bank" not in web.get("/app/company?industry=retail").get_data(as_text=True)


def test_saved_filters_are_per_user(app):
    ann = signed_in_client(app, email="ann@example.com")
    post(ann, "/app/company/filters", {"name": "Mine", "query": "q=acme"})
    bob = signed_in_client(app, email="bob@example.com")
    assert "Mine" not in bob.get("/app/company").get_data(as_text=True)
    assert "Mine" in ann.get("/app/company").get_data(as_text=True)


def test_a_saved_filter_can_be_forgotten(app):
    web = signed_in_client(app)
    post(web, "/app/company/filters", {"name": "Old", "query": "q=x"})
    filter_id = web.get("/app/company").get_data(as_text=True).split("/app/company/filters/")[1].split("/")[0]
    post(web, f"/app/company/filters/{filter_id}/delete")
    assert ">Old</a>" not in web.get("/app/company").get_data(as_text=True)
