"""The list's words and links: plural forms, the pager's range, clean URLs, the bulk bar's hooks."""

import re

import pytest
from trellis.testing.web import post, signed_in_client


@pytest.fixture
def web(app):
    return signed_in_client(app)


def count_line(page: str) -> str:
    return re.search(r'<p class="muted count">([^<]*)</p>', page).group(1)


@pytest.mark.parametrize(("locale", "made", "expected"), [
    ("en", 1, "1 record"), ("en", 2, "2 records"), ("en", 0, "0 records"),
    ("ru", 1, "1 запись"), ("ru", 3, "3 записи"), ("ru", 5, "5 записей"), ("ru", 21, "21 запись"),
    ("bg", 1, "1 запис"), ("bg", 2, "2 записа"),
    ("fa", 2, "2 رکورد"),
])
def test_the_count_uses_the_languages_plural_forms(web, records, locale, made, expected):
    post(web, "/preferences", {"locale": locale})
    for i in range(made):
        records.create("tag", {"name": f"t{i}"})
    assert count_line(web.get("/app/tag").get_data(as_text=True)) == expected


@pytest.mark.parametrize(("ticked", "expected"), [(1, "1 record changed."), (2, "2 records changed.")])
def test_the_bulk_message_uses_plural_forms(web, records, ticked, expected):
    ids = [records.create("company", {"name": f"C{i}"}).id for i in range(ticked)]
    answer = post(web, "/app/company/bulk", {"action": "set", "field": "country", "value": "Bulgaria", "ids": ids},
                  form_page="/app/company", follow_redirects=True)
    assert expected in answer.get_data(as_text=True)


def test_a_russian_bulk_message_has_the_russian_plural(web, records):
    post(web, "/preferences", {"locale": "ru"})
    ids = [records.create("company", {"name": f"C{i}"}).id for i in range(5)]
    answer = post(web, "/app/company/bulk", {"action": "set", "field": "country", "value": "Bulgaria", "ids": ids},
                  form_page="/app/company", follow_redirects=True)
    assert "Изменено 5 записей." in answer.get_data(as_text=True)


@pytest.mark.parametrize(("asked", "clean"), [
    ("/app/contact?q=&city=&sort=", "/app/contact"),
    ("/app/contact?q=ivan&city=", "/app/contact?q=ivan"),
    ("/app/contact?sort=last_name", "/app/contact"),   # the list's own order needs no parameter
])
def test_empty_parameters_are_dropped_from_the_url(web, asked, clean):
    r = web.get(asked)
    assert r.status_code == 302 and r.headers["Location"] == clean


def test_the_pager_shows_the_range_and_carries_the_position(web, records):
    for i in range(55):
        records.create("tag", {"name": f"tag {i:02d}"})
    first = web.get("/app/tag?sort=-name").get_data(as_text=True)
    assert '<span class="muted pager-range">1–50 of 55</span>' in first
    next_url = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "at=51" in next_url and "=&" not in next_url and not next_url.endswith("=")
    second = web.get(next_url).get_data(as_text=True)
    assert '<span class="muted pager-range">51–55 of 55</span>' in second
    prev_url = re.search(r'<a rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert "at=" not in prev_url
    assert '<span class="muted pager-range">1–50 of 55</span>' in web.get(prev_url).get_data(as_text=True)


def test_the_range_shows_a_capped_total(app, records):
    app.config["LIST_COUNT_CAP"] = 20
    web = signed_in_client(app)
    for i in range(60):
        records.create("tag", {"name": f"tag {i:02d}"})
    page = web.get("/app/tag?sort=-name").get_data(as_text=True)
    assert "<span class=\"muted pager-range\">1–50 of 20+</span>" in page


def test_a_single_page_shows_no_range(web, records):
    records.create("tag", {"name": "only"})
    assert "pager-range" not in web.get("/app/tag").get_data(as_text=True)


def test_a_silly_position_is_read_as_the_first(web, records):
    records.create("tag", {"name": "only"})
    assert web.get("/app/tag?at=1e999999").status_code == 200
    assert web.get("/app/tag?at=-5").status_code == 200


def test_the_list_has_a_select_all_box_for_the_script_and_a_bulk_bar_it_can_hide(web, records):
    records.create("tag", {"name": "only"})
    page = web.get("/app/tag").get_data(as_text=True)
    assert '<input type="checkbox" data-select-all hidden' in page
    assert 'id="bulk-form" class="bulk" data-bulk>' in page


def test_a_link_column_sorts_by_the_linked_name(web, records):
    zeta, alpha = records.create("company", {"name": "Zeta"}), records.create("company", {"name": "Alpha"})
    records.create("contact", {"last_name": "Works at Zeta", "company": zeta.id})
    records.create("contact", {"last_name": "Works at Alpha", "company": alpha.id})
    page = web.get("/app/contact?sort=company").get_data(as_text=True)
    assert page.index("Works at Alpha") < page.index("Works at Zeta")
    page = web.get("/app/contact?sort=-company").get_data(as_text=True)
    assert page.index("Works at Zeta") < page.index("Works at Alpha")


def test_the_export_link_carries_no_empty_parameter(web, records):
    records.create("tag", {"name": "only"})
    page = web.get("/app/tag").get_data(as_text=True)
    assert 'href="/app/tag/export.csv"' in page
    assert 'href="/app/tag/export.csv?q=ab"' in web.get("/app/tag?q=ab").get_data(as_text=True)
