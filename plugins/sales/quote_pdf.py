"""The quote document as a PDF, drawn with fpdf2 from the data of the printable page.

fpdf2's built-in fonts cover Latin-1 only, so the PDF embeds DejaVu Sans when the
machine has it (Debian's ``fonts-dejavu-core``, present on most Linux systems)
and Cyrillic, Greek and accented names print as they are. Without it the PDF
still renders, in Helvetica, with characters outside Latin-1 shown as ``?``.
Persian prints letter by letter: fpdf2 shapes right-to-left scripts only with
``uharfbuzz``, which is not a dependency.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")


def unicode_font() -> tuple[Path, Path] | None:
    """The regular and bold DejaVu Sans files on this machine, or None when it has none."""
    for folder in map(Path, FONT_DIRS):
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    return None


def download_name(quote) -> str:
    """``Quote 7 - Q-7 Engines.pdf``: the number and name, without characters file systems refuse."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", quote.get("name") or "").strip()
    return f"{_('Quote')} {quote.id} - {name}.pdf" if name else f"{_('Quote')} {quote.id}.pdf"


def _money(value) -> str:
    return f"{value or 0:,.2f}"


class QuotePDF(FPDF):
    """An A4 page with a Unicode font when there is one; text it cannot show becomes ``?``."""

    def __init__(self):
        super().__init__(format="A4")
        font = unicode_font()
        if font:
            self.add_font("DejaVu", "", str(font[0]))
            self.add_font("DejaVu", "B", str(font[1]))
        self.body_font = "DejaVu" if font else "Helvetica"
        self.set_margins(18, 18)
        self.add_page()

    def text_of(self, value) -> str:
        """``value`` as text the font can draw (outside Latin-1 as ``?`` when there is no Unicode font)."""
        text = "" if value is None else str(value)
        return text if self.body_font == "DejaVu" else text.encode("latin-1", "replace").decode("latin-1")

    def text_line(self, text, size=10, bold=False, height=6):
        """One line of ``text``, then the cursor goes to the start of the next."""
        self.set_font(self.body_font, "B" if bold else "", size)
        self.cell(0, height, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(document: dict, heading: str) -> bytes:
    """The PDF of ``document`` (as built by ``pages.quote_document``) under the organisation's ``heading``."""
    quote, contact, company = document["quote"], document["contact"], document["company"]
    currency = quote.get("currency") or ""
    pdf = QuotePDF()
    pdf.set_title(pdf.text_of(quote.get("name")))
    pdf.text_line(heading, size=12, bold=True)
    pdf.ln(4)
    title = _("Quote")
    pdf.text_line(f"{title}: {quote.get('name')}", size=16, bold=True, height=9)
    created = quote.get("created_at")
    date = created.date() if hasattr(created, "date") else created or ""
    number, on = _("No."), _("Date")
    pdf.text_line(f"{number} {quote.id}    {on}: {date}")
    if quote.get("valid_until"):
        valid = _("Valid until")
        pdf.text_line(f"{valid}: {quote['valid_until']}")
    pdf.ln(3)
    for text in (contact and contact.get("name"), company and company.get("name"), contact and contact.get("email"),
                 contact and contact.get("address"), contact and contact.get("city")):
        if text and str(text).strip():
            pdf.text_line(text)
    pdf.ln(5)
    pdf.set_font(pdf.body_font, "", 9)
    align = ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(col_widths=(62, 20, 24, 20, 16, 32), text_align=align, line_height=6) as table:
        table.row([pdf.text_of(h) for h in (_("Description"), _("Quantity"), _("Unit price"), _("Discount"), _("Tax"),
                                            _("Total"))])
        for row in document["rows"]:
            line = row["line"]
            table.row([pdf.text_of(line.get("description")), str(line.get("qty") or 0), _money(line.get("price")),
                       f"{line.get('discount') or 0}%", f"{row['tax_rate']}%", _money(line.get("line_total"))])
    pdf.ln(3)
    for label, value, bold in ((_("Net"), document["net"], False), (_("Tax"), document["tax"], False),
                               (_("Total"), document["gross"], True)):
        pdf.set_font(pdf.body_font, "B" if bold else "", 10)
        pdf.cell(0, 6, pdf.text_of(f"{label}: {_money(value)} {currency}"), align="R",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if quote.get("terms"):
        pdf.ln(4)
        pdf.text_line(_("Terms"), bold=True)
        pdf.set_font(pdf.body_font, "", 10)
        pdf.multi_cell(0, 5, pdf.text_of(quote["terms"]))
    return bytes(pdf.output())
