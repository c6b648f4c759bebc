"""The statement as a PDF, drawn with :class:`trellis.web.pdf.DocumentPDF` in the signed-in user's language
(right to left, shaped Persian and Jalali dates for a Persian user), as the quote PDF is."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask_babel import gettext as _
from trellis.web.labels import option_label
from trellis.web.pdf import DocumentPDF


def render(document: dict, heading: str) -> bytes:
    """The PDF of a statement (as :func:`trellis_plugins.loyalty.card.statement` builds it)."""
    account, contact = document["account"], document["contact"]
    pdf = DocumentPDF()

    def points(value, sign=False) -> str:
        return format_decimal(value or 0, "+#,##0;-#,##0" if sign else "#,##0", locale=pdf.locale)

    pdf.set_title(f"{_('Loyalty statement')} {account['card_number']}")
    pdf.line(pdf.value(heading), size=12)
    pdf.line(f"{_('Loyalty statement')}: {pdf.value(account['card_number'])}", size=16, height=8)
    name = " ".join(str(contact.get(k) or "") for k in ("first_name", "last_name")).strip()
    pdf.line(f"{pdf.value(name)} · {_('Balance')}: {pdf.value(points(account.get('balance')))} · "
             f"{_('Tier')}: {pdf.value(account.get('tier') or '-')}")
    pdf.ln(3)
    rows = []
    for row in document["rows"]:
        entry = row["entry"]
        order = entry.get("order")
        rows.append((pdf.date(entry.get("dated")), option_label(document["kind"], entry["kind"]) if entry.get("kind")
                     else "", getattr(order, "name", None) or (order or ""), points(entry["points"], sign=True),
                     points(row["balance"])))
    pdf.grid((_("Date"), _("Kind"), _("Order"), _("Points"), _("Balance")), rows, widths=(28, 30, 62, 24, 30),
             numeric=(3, 4))
    return bytes(pdf.output())
