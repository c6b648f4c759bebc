"""The home page's widgets: recently viewed records and the plugins' KPI tiles (numbers of the viewer's own)."""

import re
from datetime import date

from trellis.data.records import records_for
from trellis.security.accounts import create_user
from trellis.testing.kpi import kpi_tiles
from trellis.testing.web import login, post, signed_in_client


def _salesperson(app, email):
    with app.app_context():
        user = create_user(app, email, "a long enough password", role="salesperson", name=email.split("@")[0])
    client = app.test_client()
    login(client, email, "a long enough password")
    return client, records_for(app, user)


def _deal(records, name, amount, close_date=None, moves=()):
    contact = records.create("contact", {"last_name": name})
    deal = records.create("deal", {"name": name, "contact": contact.id, "amount": amount, "close_date": close_date})
    for move in moves:
        deal = records.transition("deal", deal.id, move)
    return deal


def test_a_salesperson_sees_their_own_open_deals_pipeline_and_closing_this_month_not_others(app):
    ann, as_ann = _salesperson(app, "ann@example.com")
    _bob, as_bob = _salesperson(app, "bob@example.com")
    _deal(as_ann, "Ann one", 1000, close_date=date.today())
    _deal(as_ann, "Ann two", 250, close_date=date(2001, 1, 1), moves=["qualify"])
    _deal(as_ann, "Ann won", 9000, moves=["qualify", "win"])
    _deal(as_bob, "Bob's", 7777, close_date=date.today())
    page = ann.get("/").get_data(as_text=True)
    assert kpi_tiles(page) == {"My open deals": "2", "My pipeline value": "1,250.00", "Closing this month": "1"}
    link = re.search(r'<a href="(/app/deal\?owner=me[^"]*)">', page).group(1).replace("&amp;", "&")
    listed = ann.get(link).get_data(as_text=True)
    assert "Ann one" in listed and "Ann two" in listed and "Ann won" not in listed


def test_a_role_without_sales_access_sees_no_sales_tile(client_as):
    page = client_as("contacts_user").get("/").get_data(as_text=True)
    assert 'data-widget="my_sales"' not in page
    assert "My open deals" not in page
    assert 'data-widget="recently_viewed"' in page


def test_the_tiles_are_translated_and_their_numbers_localised(app):
    ann, as_ann = _salesperson(app, "ann@example.com")
    _deal(as_ann, "Big", 1234567)
    post(ann, "/preferences", {"locale": "ru"})
    tiles = kpi_tiles(ann.get("/").get_data(as_text=True))
    assert tiles["Мои открытые сделки"] == "1"
    assert tiles["Сумма моей воронки"] == "1\xa0234\xa0567,00"


def test_recently_viewed_on_home_shows_an_opened_record_and_hides_one_no_longer_readable(app, records):
    web = signed_in_client(app)
    contact = records.create("contact", {"first_name": "Ivan", "last_name": "Falconer"})
    web.get(f"/app/contact/{contact.id}")
    page = web.get("/").get_data(as_text=True)
    widget = page[page.index('data-widget="recently_viewed"'):]
    assert f'<a href="/app/contact/{contact.id}"><bdi>Ivan Falconer</bdi></a>' in widget
    me = records.query("user").filter(email="admin@example.com").first()
    ann, as_ann = _salesperson(app, "ann@example.com")
    mine = _deal(as_ann, "Ann's secret", 10)
    ann.get(f"/app/deal/{mine.id}")
    assert "Ann&#39;s secret" in ann.get("/").get_data(as_text=True)
    records.update("deal", mine.id, {"owner": me.id})            # no longer hers: salespeople read their own
    page = ann.get("/").get_data(as_text=True)
    assert "Ann&#39;s secret" not in page and f"/app/deal/{mine.id}" not in page
