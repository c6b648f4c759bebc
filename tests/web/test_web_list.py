"""The list page /app/<entity>: columns, search, filters, sort, keyset pages, counts, query budget."""

import re

import pytest
from trellis.testing import sql_statements
from trellis.testing.web import signed_in_client


@pytest.fixture
def web(app):
    return signed_in_client(app)


@pytest.fixture
def acme(records):
    return records.create("company", {"name": "Acme", "country": "Bulgaria"})


def names_on(page: str) -> list[str]:
    return re.findall(r'<a href="/app/contact/\d+"><bdi>([^<]*)</bdi></a>', page)


def test_the_list_shows_the_yaml_columns_and_the_linked_company_name(web, records, acme):
    records.create("contact", {"first_name": "Ivan", "last_name": "Petrov", "company": acme.id,
                               "email": "ivan@example.com"})
    page = web.get("/app/contact").get_data(as_text=True)
    headers = re.findall(r'<th scope="col"[^>]*>\s*(?:<a [^>]*>)?([^<▲▼]*)', page)
    assert [h.strip() for h in headers][1:] == ["Name", "Company", "Email", "Phone", "City", "Owner"]
    assert "Ivan Petrov" in page
    assert f'<a href="/app/company/{acme.id}"><bdi>Acme</bdi></a>' in page   # a data value, bidi-isolated


def test_quick_search_finds_by_any_search_field(web, records):
    records.create("contact", {"first_name": "Ivan", "last_name": "Petrov"})
    records.create("contact", {"first_name": "Maria", "last_name": "Ivanova", "email": "m@example.com"})
    records.create("contact", {"first_name": "John", "last_name": "Smith"})
    page = web.get("/app/contact?q=ivan").get_data(as_text=True)
    assert sorted(names_on(page)) == ["Ivan Petrov", "Maria Ivanova"]


def test_a_filter_parameter_goes_to_the_query_builder(web, records):
    records.create("company", {"name": "Shop", "industry": "retail"})
    records.create("company", {"name": "Bank", "industry": "finance"})
    records.create("company", {"name": "Mill", "industry": "manufacturing"})
    page = web.get("/app/company?industry__in=retail&industry__in=finance").get_data(as_text=True)
    shown = re.findall(r'<a href="/app/company/\d+"><bdi>([^<]*)</bdi></a>', page)
    assert sorted(shown) == ["Bank", "Shop"]


def test_an_unknown_filter_field_is_a_400_page_naming_it(web):
    r = web.get("/app/contact?shoe_size=42")
    assert r.status_code == 400
    assert "unknown field &#39;shoe_size&#39;" in r.get_data(as_text=True)


def test_a_column_header_sorts_and_sorts_back(web, records):
    for last in ("Beta", "Alpha", "Gamma"):
        records.create("contact", {"last_name": last})
    ascending = web.get("/app/contact?sort=name").get_data(as_text=True)
    assert [n.strip() for n in names_on(ascending)] == ["Alpha", "Beta", "Gamma"]
    header = re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="([^"]+)">Name', ascending)
    assert header.group(1) == "/app/contact?sort=-name"
    descending = web.get(header.group(1)).get_data(as_text=True)
    assert [n.strip() for n in names_on(descending)] == ["Gamma", "Beta", "Alpha"]


def test_next_and_previous_links_walk_the_pages_by_cursor(web, records):
    for i in range(55):
        records.create("contact", {"last_name": f"Person {i:02d}"})
    first = web.get("/app/contact").get_data(as_text=True)   # the list orders by last_name
    assert len(names_on(first)) == 50
    assert 'rel="prev"' not in first
    next_url = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = web.get(next_url).get_data(as_text=True)
    assert [n.strip() for n in names_on(second)] == [f"Person {i}" for i in range(50, 55)]
    prev_url = re.search(r'<a rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    back = web.get(prev_url).get_data(as_text=True)
    assert names_on(back) == names_on(first)


def test_the_count_is_capped_and_says_so(app, web, records):
    app.config["LIST_COUNT_CAP"] = 3
    for i in range(5):
        records.create("tag", {"name": f"t{i}"})
    page = web.get("/app/tag").get_data(as_text=True)
    assert "3+ records" in page


def test_a_page_of_50_rows_with_link_columns_takes_at_most_5_queries(app, web, records, acme):
    owner = records.query("user").first()
    for i in range(60):
        records.create("contact", {"last_name": f"P{i}", "company": acme.id, "owner": owner.id})
    with sql_statements(app) as statements:
        r = web.get("/app/contact")
    assert r.status_code == 200
    assert len(names_on(r.get_data(as_text=True))) == 50
    assert "Acme" in r.get_data(as_text=True)
    assert len(statements) <= 5, statements


def test_autocomplete_returns_a_few_matching_names_never_every_record(web, records):
    for i in range(15):
        records.create("company", {"name": f"Acme {i}"})
    records.create("company", {"name": "Other"})
    found = web.get("/app/company/autocomplete?q=acme").get_json()
    assert len(found) == 10
    assert all(row["name"].startswith("Acme") for row in found)
