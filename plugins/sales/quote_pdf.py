"""The quote document as a PDF, drawn with :class:`trellis.web.pdf.DocumentPDF` from the data of the
printable page, in the signed-in user's language: right to left with shaped Persian text and Jalali dates
for a Persian user, Cyrillic and accented names as they are, amounts in the quote's currency."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from trellis.web.pdf import DocumentPDF


def download_name(quote) -> str:
    """``Quote 7 - Q-7 Engines.pdf``: the number and name, without characters file systems refuse."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", quote.get("name") or "").strip()
    return f"{_('Quote')} {quote.id} - {name}.pdf" if name else f"{_('Quote')} {quote.id}.pdf"


def render(document: dict, heading: str) -> bytes:
    """The PDF of ``document`` (as built by ``pages.quote_document``) under the organisation's ``heading``."""
    quote, contact, company = document["quote"], document["contact"], document["company"]
    currency = quote.get("currency") or ""
    pdf = DocumentPDF()
    pdf.set_title(str(quote.get("name") or ""))
    pdf.line(pdf.value(heading), size=12, bold=True)
    pdf.ln(4)
    pdf.line(f"{_('Quote')}: {pdf.value(quote.get('name'))}", size=16, bold=True, height=9)
    pdf.line(f"{_('No.')} {pdf.value(quote.id)}    {_('Date')}: {pdf.value(pdf.date(quote.get('created_at')))}")
    if quote.get("valid_until"):
        pdf.line(f"{_('Valid until')}: {pdf.value(pdf.date(quote['valid_until']))}")
    pdf.ln(3)
    for text in (contact and contact.get("name"), company and company.get("name"), contact and contact.get("email"),
                 contact and contact.get("address"), contact and contact.get("city")):
        if text and str(text).strip():
            pdf.line(pdf.value(text))
    pdf.ln(5)
    rows = [(row["line"].get("description"), pdf.number(row["line"].get("qty")).removesuffix(".00"),
             pdf.number(row["line"].get("price")), f"{row['line'].get('discount') or 0}%", f"{row['tax_rate']}%",
             pdf.number(row["line"].get("line_total"))) for row in document["rows"]]
    pdf.grid((_("Description"), _("Quantity"), _("Unit price"), _("Discount"), _("Tax"), _("Total")), rows,
             widths=(62, 20, 24, 20, 16, 32), numeric=(1, 2, 3, 4, 5))
    pdf.ln(3)
    for label, value, bold in ((_("Net"), document["net"], False), (_("Tax"), document["tax"], False),
                               (_("Total"), document["gross"], True)):
        pdf.line(f"{label}: {pdf.value(pdf.money(value, currency))}", bold=bold, align=pdf.end)
    if quote.get("terms"):
        pdf.ln(4)
        pdf.line(_("Terms"), bold=True)
        pdf.paragraph(pdf.value(quote["terms"]))
    return bytes(pdf.output())
