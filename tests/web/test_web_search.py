"""Global search (/search, /search/suggest) and the recently viewed records."""

import re

import pytest
from trellis.testing.web import signed_in_client


@pytest.fixture
def web(app):
    return signed_in_client(app)


@pytest.fixture
def ivan(records):
    return records.create("contact", {"first_name": "Ivan", "last_name": "Falconer"})


def test_search_groups_matches_by_entity_and_links_to_the_records(web, records, ivan):
    deal = records.create("deal", {"name": "Falcon fleet renewal", "contact": ivan.id})
    records.create("deal", {"name": "Sparrow", "contact": ivan.id})
    page = web.get("/search?q=falcon").get_data(as_text=True)
    groups = re.findall(r"<h2>([^<]+)</h2>", page)
    assert "Contacts" in groups and "Deals" in groups
    assert f'<a href="/app/deal/{deal.id}"><bdi>Falcon fleet renewal</bdi></a>' in page
    assert f'<a href="/app/contact/{ivan.id}"><bdi>Ivan Falconer</bdi></a>' in page
    assert "Sparrow" not in page


def test_search_page_works_without_javascript_and_says_when_nothing_matches(web):
    page = web.get("/search?q=zyxwv").get_data(as_text=True)
    assert "Nothing matches “zyxwv”." in page
    assert '<form class="toolbar" method="get" action="/search" role="search">' in page


def test_suggest_answers_in_json_grouped_by_entity(web, records, ivan):
    deal = records.create("deal", {"name": "Falcon fleet renewal", "contact": ivan.id})
    answer = web.get("/search/suggest?q=fleet").get_json()
    assert answer["q"] == "fleet"
    assert answer["groups"] == [{"entity": "deal", "label": "Deals", "url": "/app/deal?q=fleet", "more": False,
                                 "results": [{"id": deal.id, "title": "Falcon fleet renewal",
                                              "url": f"/app/deal/{deal.id}"}]}]


def test_a_group_shows_five_and_links_to_the_list_for_the_rest(web, records, ivan):
    for i in range(7):
        records.create("deal", {"name": f"Falcon {i}", "contact": ivan.id})
    group = next(g for g in web.get("/search/suggest?q=falcon").get_json()["groups"] if g["entity"] == "deal")
    assert len(group["results"]) == 5 and group["more"] is True
    assert "/app/deal?q=falcon" in web.get("/search?q=falcon").get_data(as_text=True)


def test_search_applies_each_entitys_read_rules(app):
    from trellis.data.records import records_for
    from trellis.security.accounts import create_user
    from trellis.testing.web import login

    with app.app_context():
        ann = create_user(app, "ann@example.com", "ann's long password", role="salesperson", name="Ann")
        bob = create_user(app, "bob@example.com", "bob's long password", role="salesperson", name="Bob")
        as_ann, as_bob = records_for(app, ann), records_for(app, bob)
        mine = as_ann.create("deal", {"name": "Ann's falcon",
                                      "contact": as_ann.create("contact", {"last_name": "Ann's"}).id})
        as_bob.create("deal", {"name": "Bob's falcon", "contact": as_bob.create("contact", {"last_name": "Bob's"}).id})
    client = app.test_client()
    login(client, "ann@example.com", "ann's long password")
    groups = client.get("/search/suggest?q=falcon").get_json()["groups"]
    assert [(g["entity"], [r["id"] for r in g["results"]]) for g in groups] == [("deal", [mine.id])]


def test_an_entity_the_user_may_not_read_is_not_searched(client_as, records):
    contact = records.create("contact", {"last_name": "Falconer"})
    records.create("deal", {"name": "Falcon", "contact": contact.id})
    client = client_as("contacts_user")
    groups = client.get("/search/suggest?q=falcon").get_json()["groups"]
    assert [g["entity"] for g in groups] == ["contact"]


def test_opened_records_are_listed_as_recently_viewed_newest_first(web, records, ivan):
    deal = records.create("deal", {"name": "Falcon", "contact": ivan.id})
    web.get(f"/app/contact/{ivan.id}")
    web.get(f"/app/deal/{deal.id}")
    recent = web.get("/search/suggest").get_json()["recent"]
    assert [(r["entity"], r["id"], r["title"]) for r in recent] == [("deal", deal.id, "Falcon"),
                                                                     ("contact", ivan.id, "Ivan Falconer")]
    page = web.get("/search").get_data(as_text=True)
    assert page.index(f"/app/deal/{deal.id}") < page.index(f"/app/contact/{ivan.id}")


def test_recently_viewed_is_per_user_and_kept_in_the_database(app, records, ivan):
    ann, bob = signed_in_client(app, "ann@example.com"), signed_in_client(app, "bob@example.com")
    ann.get(f"/app/contact/{ivan.id}")
    assert bob.get("/search/suggest").get_json()["recent"] == []
    from trellis.runtime import runtime

    table = runtime(app).tables.recent
    with app.app_context():
        from trellis.data.unit import unit_of_work

        with unit_of_work(app, write=False) as connection:
            assert connection.execute(table.select()).mappings().all()[0]["record_id"] == ivan.id


def test_a_deleted_record_drops_out_of_recently_viewed(web, records, ivan):
    web.get(f"/app/contact/{ivan.id}")
    records.delete("contact", ivan.id)
    assert web.get("/search/suggest").get_json()["recent"] == []


def test_a_missing_record_page_is_not_remembered(web):
    assert web.get("/app/contact/9999").status_code == 404
    assert web.get("/search/suggest").get_json()["recent"] == []


def test_the_header_has_the_search_box_on_every_page(web):
    page = web.get("/").get_data(as_text=True)
    assert 'class="global-search" method="get" action="/search"' in page
    assert 'data-suggest="/search/suggest"' in page


@pytest.mark.parametrize(("locale", "words"), [("ru", "Недавно просмотренные"), ("bg", "Наскоро разгледани"),
                                               ("fa", "بازدیدهای اخیر")])
def test_the_search_page_speaks_the_users_language(web, locale, words):
    from trellis.testing.web import post

    post(web, "/preferences", {"locale": locale})
    assert words in web.get("/search").get_data(as_text=True)


@pytest.mark.parametrize(("stored", "typed"), [("Fernández", "fernandez"), ("Петров", "ПЕТРОВ"), ("علي", "علی")])
def test_list_and_global_search_ignore_accents_case_and_arabic_letters(web, records, stored, typed):
    person = records.create("contact", {"last_name": stored})
    records.create("contact", {"last_name": "Somebody"})
    listed = web.get("/app/contact", query_string={"q": typed}).get_data(as_text=True)
    assert re.findall(r'<a href="/app/contact/(\d+)">', listed) == [str(person.id)]
    groups = web.get("/search/suggest", query_string={"q": typed}).get_json()["groups"]
    assert [(g["entity"], [r["id"] for r in g["results"]]) for g in groups] == [("contact", [person.id])]
