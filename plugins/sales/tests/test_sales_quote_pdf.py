"""The quote as a PDF over HTTP: what it shows, who may download it, its fonts, and a Persian reader's
right-to-left document with Jalali dates."""

import io
from datetime import date

import pytest
from pypdf import PdfReader
from trellis.testing.web import post, signed_in_client
from trellis.web import pdf as document_pdf


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
    """The text of the PDF, without the marks that isolate each value (U+2068, U+2069)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return text.replace("\u2068", "").replace("\u2069", "")


def font_names(response) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(response.data)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return fonts


def test_the_quote_downloads_as_a_pdf_named_after_it(client, quote):
    answer = client.get(f"/sales/quote/{quote.id}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF")
    assert f'filename="Quote {quote.id} - Q-7 Engines.pdf"' in answer.headers["Content-Disposition"]


def test_the_pdf_shows_the_customer_the_lines_and_the_total(client, quote):
    text = pdf_text(client.get(f"/sales/quote/{quote.id}.pdf"))
    assert "Q-7 Engines" in text and "Difference engine" in text and "Net 30" in text
    assert "Ada Lovelace" in text and "Analytical Engines Ltd" in text
    assert "180.00" in text and "€216.00" in text


@pytest.mark.skipif(document_pdf.dejavu_font() is None, reason="no DejaVu Sans on this machine")
def test_cyrillic_names_print_as_they_are(client, records):
    contact = records.create("contact", {"first_name": "Анна", "last_name": "Каренина"})
    quote = records.create("quote", {"name": "Самовары", "contact": contact.id})
    text = pdf_text(client.get(f"/sales/quote/{quote.id}.pdf"))
    assert "Самовары" in text and "Анна Каренина" in text


def test_without_dejavu_sans_on_the_machine_the_pdf_prints_in_the_bundled_vazirmatn(client, records, monkeypatch):
    monkeypatch.setattr(document_pdf, "dejavu_font", lambda: None)
    quote = records.create("quote", {"name": "Engines for Tehran"})
    answer = client.get(f"/sales/quote/{quote.id}.pdf")
    assert answer.status_code == 200 and "Engines for Tehran" in pdf_text(answer)
    assert font_names(answer) == {"Vazirmatn", "VazirmatnBold"}


@pytest.fixture
def persian(trellis_app):
    client = signed_in_client(trellis_app, email="farid@example.com", name="Farid")
    post(client, "/preferences", {"locale": "fa", "timezone": "Asia/Tehran"})
    return client


def test_a_persian_readers_quote_is_in_persian_in_vazirmatn_with_jalali_dates(persian, records):
    company = records.create("company", {"name": "Soluciones Andinas S.A."})
    contact = records.create("contact", {"first_name": "سارا", "last_name": "احمدی", "company": company.id})
    quote = records.create("quote", {"name": "موتورها", "contact": contact.id, "valid_until": date(2025, 3, 21),
                                     "currency": "EUR"})
    answer = persian.get(f"/sales/quote/{quote.id}.pdf")
    text = pdf_text(answer)
    assert "پیش‌فاکتور: موتورها" in text and "سارا احمدی" in text
    # Nowruz 1404, not 21 March 2025 (text extraction gives a number's digits in drawing order: the year is not read)
    assert "معتبر تا: ۱ فروردین" in text and "2025" not in text
    assert "Soluciones Andinas S.A." in text                 # isolated: the full stop stays at its end
    assert {"Vazirmatn", "VazirmatnBold"} <= font_names(answer)


def test_persian_text_is_shaped_so_its_letters_join(persian, records):
    """With HarfBuzz, a joined word is drawn with its letters' joining forms: narrower than the same letters
    set apart, which is how fpdf2 draws them without a shaping engine."""
    from trellis.web.pdf import DocumentPDF

    with persian.application.test_request_context():
        shaped, unshaped = DocumentPDF("fa"), DocumentPDF("fa")
        unshaped.text_shaping = None
    for pdf in (shaped, unshaped):
        pdf.set_font(pdf.face, "", 12)
    word = "مشتریان"
    assert shaped.shaped and shaped.get_string_width(word) < unshaped.get_string_width(word)


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
