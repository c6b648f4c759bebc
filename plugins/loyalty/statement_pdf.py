"""The statement as a PDF, drawn with fpdf2 (DejaVu Sans when the machine has it, as the quote PDF does)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")


def _font() -> Path | None:
    return next((Path(d) / "DejaVuSans.ttf" for d in FONT_DIRS if (Path(d) / "DejaVuSans.ttf").is_file()), None)


class StatementPDF(FPDF):
    """An A4 page in DejaVu Sans, or Helvetica with characters outside Latin-1 as ``?``."""

    def __init__(self):
        super().__init__(format="A4")
        font = _font()
        if font:
            self.add_font("DejaVu", "", str(font))
        self.face = "DejaVu" if font else "Helvetica"
        self.set_margins(18, 18)
        self.add_page()

    def text_of(self, value) -> str:
        """``value`` as text the font can draw."""
        text = "" if value is None else str(value)
        return text if self.face == "DejaVu" else text.encode("latin-1", "replace").decode("latin-1")

    def row(self, cells, widths, size=9):
        """One table row of ``cells`` in columns ``widths`` (millimetres)."""
        self.set_font(self.face, "", size)
        for text, width in zip(cells, widths, strict=True):
            self.cell(width, 6, self.text_of(text))
        self.ln(6)

    def line_of(self, text, size=10):
        """A line of text."""
        self.set_font(self.face, "", size)
        self.cell(0, 7, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(document: dict, heading: str) -> bytes:
    """The PDF of a statement (as :func:`trellis_plugins.loyalty.card.statement` builds it)."""
    account, contact = document["account"], document["contact"]
    pdf = StatementPDF()
    pdf.set_title(pdf.text_of(f"{_('Loyalty statement')} {account['card_number']}"))
    pdf.line_of(heading, size=12)
    pdf.line_of(f"{_('Loyalty statement')}: {account['card_number']}", size=16)
    name = " ".join(str(contact.get(k) or "") for k in ("first_name", "last_name")).strip()
    pdf.line_of(f"{name} · {_('Balance')}: {account.get('balance') or 0:,} · {_('Tier')}: {account.get('tier') or '-'}")
    pdf.ln(3)
    widths = (28, 30, 62, 24, 30)
    pdf.row((_("Date"), _("Kind"), _("Order"), _("Points"), _("Balance")), widths, size=10)
    for row in document["rows"]:
        entry = row["entry"]
        order = entry.get("order")
        pdf.row((entry["dated"], entry["kind"], getattr(order, "name", None) or (order or ""),
                 f"{entry['points']:+,}", f"{row['balance']:,}"), widths)
    return bytes(pdf.output())
