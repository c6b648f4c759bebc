"""The quote as a PDF over HTTP: what it shows, who may download it, and its font."""

import io

import pytest
from pypdf import PdfReader
from trellis.testing.web import signed_in_client
from trellis_plugins.sales import quote_pdf


@pytest.fixture
def client(trellis_app):
    return signed_in_client(trellis_app)


@pytest.fixture
def quote(records):
    company = records.create("company", {"name": "Analytical Engines Ltd"})
    contact = records.create("contact", {"first_name": "Ada", "last_name": "Lovelace", "company": company.id})
    product = records.create("product", {"code": "ENG-1", "name": "Difference engine", "price": 100, "tax": 20})
    quote = records.create("quote", {"name": "Q-7 Engines", "contact": contact.id, "terms": "Net 30"})
    records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": 2, "discount": 10})
    return quote


def pdf_text(response) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_quote_downloads_as_a_pdf_named_after_it(client, quote):
    answer = client.get(f"/sales/quote/{quote.id}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF")
    assert f'filename="Quote {quote.id} - Q-7 Engines.pdf"' in answer.headers["Content-Disposition"]


def test_the_pdf_shows_the_customer_the_lines_and_the_total(client, quote):
    text = pdf_text(client.get(f"/sales/quote/{quote.id}.pdf"))
    assert "Q-7 Engines" in text and "Difference engine" in text and "Net 30" in text
    assert "Ada Lovelace" in text and "Analytical Engines Ltd" in text
    assert "180.00" in text and "216.00 EUR" in text


@pytest.mark.skipif(quote_pdf.unicode_font() is None, reason="no DejaVu Sans on this machine")
def test_cyrillic_names_print_as_they_are(client, records):
    contact = records.create("contact", {"first_name": "Анна", "last_name": "Каренина"})
    quote = records.create("quote", {"name": "Самовары", "contact": contact.id})
    text = pdf_text(client.get(f"/sales/quote/{quote.id}.pdf"))
    assert "Самовары" in text and "Анна Каренина" in text


def test_without_a_unicode_font_the_pdf_still_renders(client, records, monkeypatch):
    monkeypatch.setattr(quote_pdf, "unicode_font", lambda: None)
    quote = records.create("quote", {"name": "Самовары"})
    answer = client.get(f"/sales/quote/{quote.id}.pdf")
    assert answer.status_code == 200 and "????????" in pdf_text(answer)


def test_a_user_who_may_not_read_quotes_gets_not_found(trellis_app, quote):
    client = signed_in_client(trellis_app, email="carl@example.com", role="contacts_user", name="Carl")
    assert client.get(f"/sales/quote/{quote.id}.pdf").status_code == 404


def test_a_missing_quote_is_not_found(client):
    assert client.get("/sales/quote/999.pdf").status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(trellis_client, quote):
    answer = trellis_client.get(f"/sales/quote/{quote.id}.pdf")
    assert answer.status_code == 302 and "login" in answer.headers["Location"]


def test_the_printable_page_links_to_the_pdf(client, quote):
    page = client.get(f"/sales/quote/{quote.id}/print").get_data(as_text=True)
    assert f'href="/sales/quote/{quote.id}.pdf"' in page


def test_a_quotes_page_links_to_its_printable_page_and_pdf(client, quote):
    page = client.get(f"/app/quote/{quote.id}").get_data(as_text=True)
    assert f'href="/sales/quote/{quote.id}/print"' in page and f'href="/sales/quote/{quote.id}.pdf"' in page


def test_other_records_pages_have_no_quote_links(client, quote, records):
    contact = records.query("contact").first()
    assert ".pdf" not in client.get(f"/app/contact/{contact.id}").get_data(as_text=True)


def test_the_print_button_works_under_the_csp_no_inline_handler(client, quote):
    answer = client.get(f"/sales/quote/{quote.id}/print")
    page = answer.get_data(as_text=True)
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert "onclick" not in page and "javascript:" not in page
    assert "data-print" in page and "/static/trellis.js" in page
    assert "[data-print]" in client.get("/static/trellis.js").get_data(as_text=True)
