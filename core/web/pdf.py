"""PDF documents in the reader's language, drawn with fpdf2: the quote, the loyalty statement.

fpdf2's built-in fonts cover Latin-1 only, so every document embeds Unicode fonts:

- **Vazirmatn** (OFL, bundled in ``trellis/web/fonts``) for Persian, and as the fallback for
  Persian names in a document in another language;
- **DejaVu Sans** when the machine has it (Debian's ``fonts-dejavu-core``) for Latin and Cyrillic,
  and as the fallback for Cyrillic names in a Persian document. Without it, Latin and Persian
  still print (in Vazirmatn) and Cyrillic letters are left out.

Persian letters join and run right to left only through a shaping engine: fpdf2 shapes with
HarfBuzz (the ``uharfbuzz`` package, a dependency) and orders mixed Persian and Latin text with
its bidi algorithm. Every data value goes through :meth:`DocumentPDF.value`, which isolates it
(Unicode's FSI ... PDI, what ``<bdi>`` does on a page), so that "+47 22 12 34 56" and
"Soluciones Andinas S.A." keep their own order inside a Persian line. A Persian document is laid
out right to left: lines aligned right, tables' columns mirrored, dates in the Jalali calendar
(:func:`trellis.web.labels.date_text`).

    pdf = DocumentPDF()                  # the signed-in user's language
    pdf.line(f"{_('Quote')}: {pdf.value(quote['name'])}", size=16, bold=True)
    pdf.grid([_("Description"), _("Total")], rows, widths=(120, 40), numeric=(1,))
    return bytes(pdf.output())
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.numbers import format_currency, format_decimal
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from trellis.web.labels import date_text, text_direction, user_locale

FSI, PDI = "\u2068", "\u2069"   # first strong isolate, pop directional isolate
FONTS = Path(__file__).parent / "fonts"
VAZIRMATN = (FONTS / "Vazirmatn-Regular.ttf", FONTS / "Vazirmatn-Bold.ttf")
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")


def dejavu_font() -> tuple[Path, Path] | None:
    """The regular and bold DejaVu Sans files on this machine, or None when it has none."""
    for folder in map(Path, FONT_DIRS):
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    return None


def shaping_available() -> bool:
    """Whether HarfBuzz (``uharfbuzz``) is installed, so that Persian letters join and run right to left."""
    try:
        import uharfbuzz  # noqa: F401 - only whether it imports
    except ImportError:
        return False
    return True


class DocumentPDF(FPDF):
    """An A4 document for a reader of ``locale`` (the signed-in user's by default): its fonts, direction
    and date format; ``face`` is the main font family, ``rtl`` whether lines run right to left."""

    def __init__(self, locale: str | None = None):
        super().__init__(format="A4")
        self.locale = locale or user_locale()
        self.rtl = text_direction(self.locale) == "rtl"
        self.add_font("Vazirmatn", "", str(VAZIRMATN[0]))
        self.add_font("Vazirmatn", "B", str(VAZIRMATN[1]))
        dejavu = dejavu_font()
        if dejavu:
            self.add_font("DejaVu", "", str(dejavu[0]))
            self.add_font("DejaVu", "B", str(dejavu[1]))
        if self.locale == "fa" or not dejavu:
            self.face, fallback = "Vazirmatn", ["DejaVu"] if dejavu else []
        else:
            self.face, fallback = "DejaVu", ["Vazirmatn"]
        if fallback:
            self.set_fallback_fonts(fallback, exact_match=False)
        self.shaped = shaping_available()
        if self.shaped:
            self.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else None)
        self.set_margins(18, 18)
        self.add_page()

    @property
    def start(self) -> str:
        """The alignment of running text: right in a right-to-left document, else left."""
        return "R" if self.rtl else "L"

    @property
    def end(self) -> str:
        """The alignment of totals and numbers: the side opposite :attr:`start`."""
        return "L" if self.rtl else "R"

    def value(self, value: Any) -> str:
        """A data value (a name, a number, a phone) as text isolated from the words around it."""
        text = text_of(value)
        return f"{FSI}{text}{PDI}" if text and self.shaped else text

    def line(self, text: Any, size: float = 10, bold: bool = False, height: float = 6, align: str | None = None):
        """One line of ``text`` at the start side (or ``align``), then the cursor goes to the next line."""
        self.set_font(self.face, "B" if bold else "", size)
        self.cell(0, height, text_of(text), align=align or self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: Any, size: float = 10, height: float = 5):
        """``text`` wrapped over as many lines as it needs."""
        self.set_font(self.face, "", size)
        self.multi_cell(0, height, text_of(text), align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, header: Sequence[Any], rows: Sequence[Sequence[Any]], widths: Sequence[float],
             numeric: Sequence[int] = (), size: float = 9):
        """A table: ``header`` in bold, then ``rows``; columns ``widths`` millimetres wide, those at the
        indexes ``numeric`` aligned to the end side. Columns run right to left in a right-to-left document;
        each cell is isolated as a value."""
        order = list(range(len(widths)))[::-1] if self.rtl else list(range(len(widths)))
        align = tuple(self.end if i in numeric else self.start for i in order)
        self.set_font(self.face, "", size)
        with self.table(col_widths=tuple(widths[i] for i in order), text_align=align, line_height=6) as table:
            for cells in (header, *rows):
                table.row([self.value(cells[i]) for i in order])

    def number(self, value: Any) -> str:
        """An amount with two decimals in the reader's locale (Persian digits for a Persian reader)."""
        return format_decimal(value or 0, "#,##0.00", locale=self.locale)

    def money(self, value: Any, currency: str | None) -> str:
        """An amount in ``currency`` (a three-letter code) in the reader's locale: "€216.00", "216,00 €"."""
        code = (currency or "").strip().upper()
        if len(code) == 3 and code.isalpha():
            return format_currency(value or 0, code, locale=self.locale)
        return self.number(value)

    def date(self, value: date | datetime | None) -> str:
        """A date as the reader reads it (the Jalali calendar for a Persian reader); "" for none."""
        if value in (None, ""):
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return date_text(value, "medium", locale=self.locale)


def text_of(value: Any) -> str:
    """``value`` as text for a cell ("" for None)."""
    return "" if value is None else str(value)
