"""The list's filter panel offers a filter for every kind of field (a linked record by its title, "me"
for user fields, text contains, number and date ranges, tags) with its own Apply, and bulk "Set a
field" takes a linked record's title instead of its number."""

import pytest
from trellis.testing.web import post, signed_in_client


@pytest.fixture
def web(app):
    return signed_in_client(app)


@pytest.fixture
def deals(records):
    contact = records.create("contact", {"first_name": "Ivan", "last_name": "Petrov"})
    acme = records.create("company", {"name": "Acme Ltd"})
    globex = records.create("company", {"name": "Globex"})
    made = {
        "big": records.create("deal", {"name": "Big fleet", "contact": contact.id, "company": acme.id,
                                       "amount": "50000", "tags": ["vip"]}),
        "small": records.create("deal", {"name": "Small licence", "contact": contact.id, "company": globex.id,
                                         "amount": "900"}),
    }
    return made, acme, globex


def names(page: str) -> set[str]:
    return {n for n in ("Big fleet", "Small licence") if f">{n}</bdi></a>" in page}


def test_the_panel_offers_a_filter_for_every_kind_of_field_and_its_own_apply(web, deals):
    page = web.get("/app/deal").get_data(as_text=True)
    panel = page.split('<details class="filters"')[1].split("</details>")[0]
    assert 'name="name__contains"' in panel                                   # text
    assert 'type="number" step="any" name="amount__gte"' in panel             # number range
    assert 'type="date" name="close_date__gte"' in panel                      # date range
    assert 'name="tags__contains"' in panel                                   # tags
    assert 'name="stage__in"' in panel                                        # options
    assert 'data-autocomplete="/app/company/autocomplete"' in panel           # a link by its title
    assert 'name="owner" value="me"' in panel                                 # user: me
    assert '<button type="submit" class="primary">Apply</button>' in panel


@pytest.mark.parametrize("query, shown", [
    ("name__contains=fleet", {"Big fleet"}),
    ("amount__gte=1000", {"Big fleet"}),
    ("amount__lte=1000", {"Small licence"}),
    ("tags__contains=vip", {"Big fleet"}),
])
def test_text_number_and_tag_filters_narrow_the_list(web, deals, query, shown):
    assert names(web.get(f"/app/deal?{query}").get_data(as_text=True)) == shown


def test_a_link_filter_travels_as_an_id_and_shows_the_title_the_viewer_may_read(web, deals):
    _, acme, _ = deals
    page = web.get(f"/app/deal?company={acme.id}").get_data(as_text=True)
    assert names(page) == {"Big fleet"}
    assert 'value="Acme Ltd"' in page.split('id="flt-company"')[1].split(">")[0]
    missing = web.get("/app/deal?company=999999").get_data(as_text=True)
    assert 'value=""' in missing.split('id="flt-company"')[1].split(">")[0]   # no title, no "#999999"


def test_owner_me_means_whoever_is_signed_in(app, records, deals):
    contact = records.query("contact").first()
    ann = signed_in_client(app, "ann@example.com", name="Ann")
    ann_id = records.query("user").filter(email="ann@example.com").first().id
    records.create("deal", {"name": "Anns deal", "contact": contact.id, "owner": ann_id})
    page = ann.get("/app/deal?owner=me").get_data(as_text=True)
    assert ">Anns deal</bdi></a>" in page and not names(page)
    assert 'name="owner" value="me" checked' in page


def test_bulk_set_a_link_by_the_linked_records_title(web, records, deals):
    made, acme, globex = deals
    r = post(web, "/app/deal/bulk", {"ids": [str(made["small"].id)], "action": "set", "field": "company",
                                     "value": "acme ltd"}, form_page="/app/deal")
    assert r.status_code == 302
    assert records.get("deal", made["small"].id)["company"] == acme.id


@pytest.mark.parametrize("value, why", [("Initech", "no company is called"), ("", None)])
def test_bulk_set_a_link_to_an_unknown_title_changes_nothing_and_says_why(web, records, deals, value, why):
    made, acme, globex = deals
    r = post(web, "/app/deal/bulk", {"ids": [str(made["small"].id)], "action": "set", "field": "company",
                                     "value": value}, form_page="/app/deal", follow_redirects=True)
    if why:
        assert why in r.get_data(as_text=True)
        assert records.get("deal", made["small"].id)["company"] == globex.id
    else:   # an empty value clears the link, as for any other field
        assert records.get("deal", made["small"].id)["company"] is None
