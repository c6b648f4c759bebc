"""The cashier's redeem page: find a member by card number, apply a voucher or points to an open order."""

import re

import pytest
from trellis.testing.web import csrf_token


def form(client, card):
    page = client.get(f"/loyalty/redeem?card={card}").get_data(as_text=True)
    return {"csrf_token": csrf_token(client, f"/loyalty/redeem?card={card}"),
            "token": re.search(r'name="token" value="([^"]+)"', page).group(1), "card": card}


def test_a_cashier_finds_a_member_by_card_number(client_as, world):
    page = client_as("cashier").get(f"/loyalty/redeem?card={world['account']['card_number']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ann Lee" in text and 'data-value="1000"' in text and world["voucher"]["code"] in text


def test_an_unknown_card_says_so(client_as, world):
    text = client_as("cashier").get("/loyalty/redeem?card=L0000000000").get_data(as_text=True)
    assert "No loyalty card has this number" in text


def test_applying_a_voucher_adds_the_discount_line_and_submitting_twice_redeems_once(client_as, world, records):
    client = client_as("cashier")
    data = {**form(client, world["account"]["card_number"]), "order": world["order"].id,
            "voucher": world["voucher"]["code"]}
    first = client.post("/loyalty/redeem", data=data)
    assert first.status_code == 302
    assert "Discount of 20.00 applied" in client.get(first.headers["Location"]).get_data(as_text=True)
    assert client.post("/loyalty/redeem", data=data).status_code == 302  # a double click: the same answer
    assert [line["price"] for line in records.query("order_line").filter(order=world["order"].id).iterate()] == [-20]


def test_overspending_from_the_page_shows_the_error(client_as, world, records):
    client = client_as("cashier")
    data = {**form(client, world["account"]["card_number"]), "order": world["order"].id, "points": "5000"}
    answer = client.post("/loyalty/redeem", data=data)
    assert answer.status_code == 422 and "Only 1000 points left" in answer.get_data(as_text=True)
    assert records.query("order_line").count()[0] == 0


def test_a_salesperson_has_no_redeem_page(client_as, world):
    assert client_as("salesperson").get("/loyalty/redeem").status_code == 404


def test_the_contact_page_shows_the_loyalty_card(client_as, world, records):
    contact = world["account"]["contact"]
    page = client_as("loyalty_manager").get(f"/app/contact/{contact}").get_data(as_text=True)
    card = page[page.index('data-panel="loyalty_card"'):]
    assert world["account"]["card_number"] in card and 'data-value="1000"' in card
    assert "1,000 points to the next reward" in card and "4,000 points to the next reward" in card
    assert ">+1,000<" in card and ">Paid<" in card


def test_the_statement_lists_the_ledger_with_a_running_balance_and_downloads_as_pdf(client_as, world):
    client = client_as("cashier")
    page = client.get(f"/loyalty/statement/{world['account'].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and world["voucher"]["code"] in text and ">+1,000<" in text
    pdf = client.get(f"/loyalty/statement/{world['account'].id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert world["account"]["card_number"] in pdf.headers["Content-Disposition"]


def test_a_persian_readers_statement_pdf_names_each_kind_in_persian(client_as, world):
    import io

    from pypdf import PdfReader
    from trellis.testing.web import post

    client = client_as("admin")
    post(client, "/preferences", {"locale": "fa", "timezone": "Asia/Tehran"}, form_page="/preferences")
    pdf = client.get(f"/loyalty/statement/{world['account'].id}.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "صورت‌حساب وفاداری" in text                                   # the title, in Persian
    assert "کسب‌شده" in text and "earned" not in text                    # the kind's label, not its key


def test_no_statement_without_the_right_to_read_accounts(client_as, world):
    assert client_as("salesperson").get(f"/loyalty/statement/{world['account'].id}").status_code == 404
    assert client_as("salesperson").get(f"/loyalty/statement/{world['account'].id}.pdf").status_code == 404


@pytest.mark.parametrize(("locale", "word"), [("ru", "Найти участника"), ("bg", "Намери член"), ("fa", "یافتن عضو")])
def test_the_redeem_page_speaks_the_users_language(client_as, world, locale, word):
    from trellis.testing.web import post

    client = client_as("admin")  # (a cashier may not save preferences on the user record)
    saved = post(client, "/preferences", {"locale": locale, "timezone": "UTC"}, form_page="/preferences")
    assert saved.status_code == 302
    assert word in client.get("/loyalty/redeem").get_data(as_text=True)


class TestRewards:
    """A programme with a reward bought with points: the page offers it and buys it."""

    @pytest.fixture
    def programme_yaml(self, source_programme):
        return source_programme + "  five_off: {cost: 400, discount: {amount: 5}}\n"

    def test_the_cashier_buys_a_reward_with_the_members_points(self, client_as, world, records):
        client = client_as("cashier")
        card = world["account"]["card_number"]
        page = client.get(f"/loyalty/redeem?card={card}").get_data(as_text=True)
        assert 'name="reward" value="five_off"' in page and "400 loyalty points" in page
        answer = client.post("/loyalty/redeem", data={**form(client, card), "order": world["order"].id,
                                                      "reward": "five_off"})
        assert answer.status_code == 302
        assert "balance now 600 points" in client.get(answer.headers["Location"]).get_data(as_text=True)
        assert [line["price"] for line in records.query("order_line").filter(order=world["order"].id).iterate()] \
            == [-5]
